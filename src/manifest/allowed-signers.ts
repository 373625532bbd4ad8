// OpenSSH allowed_signers files (ssh-keygen(1) "ALLOWED SIGNERS"): which keys may sign for which
// principals, in which namespaces and when. One entry a line:
//
//   principals [options] keytype base64-key [comment]
//
// principals: comma-separated patterns (`*`, `?`, `!` negates), optionally in double quotes; options:
// `namespaces="pat,..."`, `valid-after="YYYYMMDD[HHMM[SS]][Z]"`, `valid-before=...`, `cert-authority`.
// Matching follows OpenSSH's sshsig.c: lines in order, the first line whose principals match, whose key is
// the signing key, and whose options permit the namespace and the time wins.
// Certificates are not supported: cert-authority lines and certificate/FIDO/DSA keys are skipped with a note.

import { InputError } from '../errors.ts';
import { fingerprint, isKnownUnsupportedKeyType, isSupportedKeyType, keyDisplayType, parsePublicKeyText, sameKey } from './keys.ts';
import type { SshPublicKey } from './keys.ts';

/** Largest allowed_signers text we read, and most lines. */
export const MAX_ALLOWED_SIGNERS_TEXT = 1024 * 1024;
export const MAX_ALLOWED_SIGNERS_LINES = 10_000;

/** One usable allowed_signers entry. Invariant: validAfter < validBefore when both are set. */
export interface AllowedSigner {
  /** 1-based line number in the file, for messages. */
  line: number;
  /** The principals pattern list as written (unquoted). */
  principals: string;
  /** The namespaces pattern list, when restricted. */
  namespaces?: string;
  /** Seconds since the epoch; the key is valid from then on. */
  validAfter?: number;
  /** Seconds since the epoch; the key is valid until then. */
  validBefore?: number;
  publicKey: SshPublicKey;
  comment: string;
}

/** A parsed allowed_signers file: its usable entries and notes about skipped lines. */
export interface AllowedSigners {
  /** File name for messages. */
  name: string;
  signers: AllowedSigner[];
  /** One line per skipped entry (`<name>:<line>: ...`), e.g. certificate authorities. */
  notes: string[];
}

/**
 * OpenSSH match_pattern: `*` matches any run, `?` any one character, everything else itself (case
 * sensitive). Linear-time greedy matching with one backtrack point, so hostile patterns stay cheap.
 */
export function matchPattern(s: string, pattern: string): boolean {
  const str = [...s];
  const pat = [...pattern];
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < str.length) {
    if (pi < pat.length && (pat[pi] === '?' || pat[pi] === str[si])) {
      si++;
      pi++;
    } else if (pi < pat.length && pat[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pat.length && pat[pi] === '*') pi++;
  return pi === pat.length;
}

/**
 * OpenSSH match_pattern_list: 1 when some pattern of the comma-separated list matches and no negated
 * (`!pattern`) one does, -1 when a negated pattern matches, 0 when nothing matches.
 */
export function matchPatternList(s: string, list: string): 1 | 0 | -1 {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pat = negated ? raw.slice(1) : raw;
    if (matchPattern(s, pat)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/**
 * Parses an OpenSSH absolute time (`YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, followed by `Z` or
 * `UTC` for UTC, else local time, as OpenSSH's parse_absolute_time) into seconds since the epoch.
 * Throws InputError for anything else, including impossible dates.
 */
export function parseSshTime(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z|UTC)?$/i.exec(s);
  if (!m) throw new InputError(`invalid time ${JSON.stringify(s.slice(0, 40))} (YYYYMMDD[HHMM[SS]][Z])`);
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x)));
  const utc = m[7] !== undefined;
  const date = utc ? new Date(Date.UTC(y, mo - 1, d, h, mi, sec)) : new Date(y, mo - 1, d, h, mi, sec);
  const parts = utc
    ? [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    : [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds()];
  if (![y, mo, d, h, mi, sec].every((v, i) => v === parts[i])) throw new InputError(`invalid time ${JSON.stringify(s)} (no such date)`);
  const t = Math.floor(date.getTime() / 1000);
  if (t <= 0) throw new InputError(`invalid time ${JSON.stringify(s)} (before 1970)`);
  return t;
}

interface Options {
  ca: boolean;
  namespaces?: string;
  validAfter?: number;
  validBefore?: number;
}

/** Reads a double-quoted option value at `s[i]` (`\"` escapes a quote); returns value and next index. */
function dequote(s: string, i: number): [string, number] {
  if (s[i] !== '"') throw new InputError('option value is missing its opening quote');
  let out = '';
  i++;
  while (i < s.length && s[i] !== '"') {
    if (s[i] === '\\' && s[i + 1] === '"') i++;
    out += s[i++];
  }
  if (i >= s.length) throw new InputError('option value is missing its closing quote');
  return [out, i + 1];
}

function parseOptions(opts: string): Options {
  const o: Options = { ca: false };
  let i = 0;
  while (i < opts.length) {
    const rest = opts.slice(i);
    const named = (n: string) => rest.slice(0, n.length + 1).toLowerCase() === n + '=';
    if (/^cert-authority(?=,|$)/i.test(rest)) {
      o.ca = true;
      i += 'cert-authority'.length;
    } else if (named('namespaces')) {
      if (o.namespaces !== undefined) throw new InputError('more than one namespaces= option');
      [o.namespaces, i] = dequote(opts, i + 'namespaces='.length);
    } else if (named('valid-after') || named('valid-before')) {
      const which = named('valid-after') ? 'valid-after' : 'valid-before';
      const key = which === 'valid-after' ? 'validAfter' : 'validBefore';
      if (o[key] !== undefined) throw new InputError(`more than one ${which}= option`);
      let v: string;
      [v, i] = dequote(opts, i + which.length + 1);
      o[key] = parseSshTime(v);
    } else {
      throw new InputError(`unknown option ${JSON.stringify(rest.split(/[,=]/)[0].slice(0, 40))}`);
    }
    if (i >= opts.length) break;
    if (opts[i] !== ',') throw new InputError('options must be separated by commas');
    i++;
    if (i >= opts.length) throw new InputError('options end with a comma');
  }
  if (o.validAfter !== undefined && o.validBefore !== undefined && o.validBefore <= o.validAfter) {
    throw new InputError('valid-before is not after valid-after');
  }
  return o;
}

/** Index of the first space or tab outside double quotes (`\"` does not toggle), or -1 if a quote is left open. */
function endOfOptions(s: string): number {
  let quoted = false;
  let i = 0;
  for (; i < s.length && (quoted || (s[i] !== ' ' && s[i] !== '\t')); i++) {
    if (s[i] === '\\' && s[i + 1] === '"') i++;
    else if (s[i] === '"') quoted = !quoted;
  }
  return quoted ? -1 : i;
}

/** Parses one non-comment line; returns the entry, or a note string when the line is skipped. */
function parseLine(line: string, lineNo: number, name: string): AllowedSigner | string {
  let rest = line.replace(/^[ \t]+/, '');
  let principals: string;
  if (rest.startsWith('"')) {
    const close = rest.indexOf('"', 1);
    if (close < 0) throw new InputError('principals are missing their closing quote');
    principals = rest.slice(1, close);
    rest = rest.slice(close + 1);
    if (rest !== '' && !/^[ \t]/.test(rest)) throw new InputError('expected a space after the quoted principals');
  } else {
    const m = /^[^ \t]+/.exec(rest)!;
    principals = m[0];
    if (principals.includes('"')) throw new InputError('a quote inside principals (quote the whole list)');
    rest = rest.slice(principals.length);
  }
  if (principals === '') throw new InputError('empty principals');
  rest = rest.replace(/^[ \t]+/, '');
  if (rest === '') throw new InputError('missing key');
  const first = /^[^ \t]+/.exec(rest)![0];
  let opts: Options = { ca: false };
  if (!isSupportedKeyType(first) && !isKnownUnsupportedKeyType(first)) {
    const end = endOfOptions(rest);
    if (end < 0) throw new InputError('options have an unterminated quote');
    opts = parseOptions(rest.slice(0, end));
    rest = rest.slice(end).replace(/^[ \t]+/, '');
    if (rest === '') throw new InputError('missing key after the options');
  }
  const type = /^[^ \t]+/.exec(rest)![0];
  if (opts.ca) return `${name}:${lineNo}: cert-authority entry skipped (SSH certificates are not supported)`;
  if (isKnownUnsupportedKeyType(type)) return `${name}:${lineNo}: ${type} key skipped (not supported; use ed25519, ecdsa or rsa)`;
  if (!isSupportedKeyType(type)) throw new InputError(`unknown key type ${JSON.stringify(type.slice(0, 40))}`);
  const { key, comment } = parsePublicKeyText(rest);
  const signer: AllowedSigner = { line: lineNo, principals, publicKey: key, comment };
  if (opts.namespaces !== undefined) signer.namespaces = opts.namespaces;
  if (opts.validAfter !== undefined) signer.validAfter = opts.validAfter;
  if (opts.validBefore !== undefined) signer.validBefore = opts.validBefore;
  return signer;
}

/**
 * Parses an allowed_signers file. Blank lines and `#` comments are ignored; malformed lines are an
 * InputError naming `name:line`; entries distsum cannot use (certificate authorities, unsupported key
 * types) are skipped with a note. Bounded by MAX_ALLOWED_SIGNERS_TEXT / _LINES.
 */
export function parseAllowedSigners(text: string, name = 'allowed_signers'): AllowedSigners {
  if (text.length > MAX_ALLOWED_SIGNERS_TEXT) throw new InputError(`${name} is larger than ${MAX_ALLOWED_SIGNERS_TEXT} bytes`);
  const lines = text.split('\n');
  if (lines.length > MAX_ALLOWED_SIGNERS_LINES) throw new InputError(`${name} has more than ${MAX_ALLOWED_SIGNERS_LINES} lines`);
  const signers: AllowedSigner[] = [];
  const notes: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const t = line.replace(/^[ \t]+/, '');
    if (t === '' || t.startsWith('#')) return;
    if (/[\0-\x08\x0a-\x1f\x7f]/.test(line)) throw new InputError(`${name}:${i + 1}: control character in line`);
    try {
      const r = parseLine(line, i + 1, name);
      if (typeof r === 'string') notes.push(r);
      else signers.push(r);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${name}:${i + 1}: ${e.message}`, { cause: e });
      throw e;
    }
  });
  return { name, signers, notes };
}

/** The verdict of checkAllowed: the matching entry, or why none matched (one line, names file and key). */
export type AllowedDecision = { ok: true; signer: AllowedSigner } | { ok: false; reason: string };

function seconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}

function timeReason(s: AllowedSigner, t: number, name: string): string | undefined {
  if (s.validAfter !== undefined && t < s.validAfter) {
    return `${name}:${s.line}: key is not yet valid (valid-after ${new Date(s.validAfter * 1000).toISOString()})`;
  }
  if (s.validBefore !== undefined && t > s.validBefore) {
    return `${name}:${s.line}: key has expired (valid-before ${new Date(s.validBefore * 1000).toISOString()})`;
  }
  return undefined;
}

/**
 * Decides, like `ssh-keygen -Y verify`, whether `key` may sign for `principal` in `namespace` at `now`:
 * the first entry whose principals match, whose key is `key`, and whose namespaces and validity window
 * permit it. Otherwise the reason names the closest miss (namespace, time, other principal, unknown key).
 */
export function checkAllowed(
  allowed: AllowedSigners,
  key: SshPublicKey,
  principal: string,
  namespace: string,
  now: Date,
): AllowedDecision {
  const t = seconds(now);
  let reason: string | undefined;
  for (const s of allowed.signers) {
    if (matchPatternList(principal, s.principals) !== 1 || !sameKey(s.publicKey, key)) continue;
    if (s.namespaces !== undefined && matchPatternList(namespace, s.namespaces) !== 1) {
      reason ??= `${allowed.name}:${s.line}: key is not permitted for signature namespace "${namespace}" (namespaces="${s.namespaces}")`;
      continue;
    }
    const tr = timeReason(s, t, allowed.name);
    if (tr) {
      reason ??= tr;
      continue;
    }
    return { ok: true, signer: s };
  }
  const desc = `${keyDisplayType(key)} key ${fingerprint(key)}`;
  if (reason) return { ok: false, reason };
  const elsewhere = allowed.signers.filter((s) => sameKey(s.publicKey, key));
  if (elsewhere.length > 0) {
    const who = [...new Set(elsewhere.map((s) => s.principals))].join(' ');
    return { ok: false, reason: `${desc} is not allowed to sign for "${principal}" (${allowed.name} lists it for ${who})` };
  }
  return { ok: false, reason: `${desc} is not listed in ${allowed.name}` };
}

/**
 * The principals of the first entry holding `key` that is valid at `now` (namespaces are not checked),
 * like `ssh-keygen -Y find-principals`; empty when none.
 */
export function principalsForKey(allowed: AllowedSigners, key: SshPublicKey, now: Date): string[] {
  const t = seconds(now);
  for (const s of allowed.signers) {
    if (sameKey(s.publicKey, key) && timeReason(s, t, allowed.name) === undefined) return s.principals.split(',');
  }
  return [];
}
