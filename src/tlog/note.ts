// C2SP signed notes (golang.org/x/mod/sumdb/note compatible): text signed by one or more Ed25519
// keys, with keys written as Go note key strings. Verification follows the spec: signatures from
// unknown keys are ignored, a bad signature from a known key rejects the whole note, and at least one
// known key must have signed.

import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as edSign, verify as edVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { InvalidSignatureError, KeyFormatError, MalformedNoteError, UnverifiedNoteError } from './errors.ts';

/** Signs note text as one named key. */
export interface Signer {
  /** Key name (non-empty, no whitespace, no '+'). */
  name: string;
  /** Key ID, a uint32, written big-endian before the signature. */
  keyId: number;
  /** Signs the note text bytes; returns the raw signature (without the key ID). */
  sign(msg: Uint8Array): Uint8Array;
}

/** Checks signatures by one named key. */
export interface Verifier {
  /** Key name (non-empty, no whitespace, no '+'). */
  name: string;
  /** Key ID, a uint32. */
  keyId: number;
  /** True when `sig` (without the key ID) is a valid signature over the note text `msg`. */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** One signature line of a note. */
export interface NoteSig {
  /** Key name from the line. */
  name: string;
  /** Key ID (first four bytes of the decoded signature, big-endian). */
  keyId: number;
  /** The line's base64 (key ID and signature), exactly as it appeared. */
  base64: string;
}

/** Largest note accepted by openNote, in bytes. */
export const MAX_NOTE_SIZE = 1 << 20;

/** Most signature lines openNote accepts (x/mod's limit; C2SP requires at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

/** Signature type byte of plain Ed25519 note signatures. */
export const ALG_ED25519 = 0x01;

const MAX_KEY_STRING = 4096;
const SIG_PREFIX = '\u2014 '; // em dash, space
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Unicode White_Space, as Go's unicode.IsSpace sees it (differs from JS \s on U+0085 and U+FEFF).
const SPACE_RE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `name` is a valid key name: non-empty, well-formed Unicode, no whitespace, no '+'. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !name.includes('+') &&
    !SPACE_RE.test(name) &&
    !LONE_SURROGATE_RE.test(name) &&
    // Control characters are banned from notes, so a name containing one could never appear in a line.
    !/[\u0000-\u001f]/.test(name)
  );
}

/**
 * Decodes standard padded base64 (RFC 4648 §4) strictly: only the alphabet, correct padding and
 * zero pad bits, so each byte string has exactly one accepted spelling. Returns undefined otherwise.
 */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:==|=)?$/.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  if (bytes.toString('base64') !== s) return undefined;
  return new Uint8Array(bytes);
}

/** Standard padded base64 of `b`. */
export function encodeBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
}

/**
 * The key ID for `name` and public key material `typedKey` (signature type byte || public key):
 * SHA-256(name || "\n" || typedKey)[:4] as a big-endian uint32.
 */
export function keyId(name: string, typedKey: Uint8Array): number {
  const h = createHash('sha256').update(name, 'utf8').update('\n').update(typedKey).digest();
  return h.readUInt32BE(0);
}

function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The Ed25519 private key object for a 32-byte RFC 8032 seed. */
export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new KeyFormatError('tlog: an Ed25519 seed must be 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The Ed25519 public key object for 32 raw public key bytes. */
export function ed25519PublicKey(pub: Uint8Array): KeyObject {
  if (pub.length !== 32) throw new KeyFormatError('tlog: an Ed25519 public key must be 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, pub]), format: 'der', type: 'spki' });
}

/** The 32 raw public key bytes for a 32-byte Ed25519 seed. */
export function ed25519PublicFromSeed(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(ed25519PrivateKey(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** Ed25519 signature of `msg` (64 bytes). */
export function ed25519Sign(key: KeyObject, msg: Uint8Array): Uint8Array {
  return new Uint8Array(edSign(null, msg, key));
}

/** Ed25519 verification; false (never a throw) for a malformed signature. */
export function ed25519Verify(key: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  try {
    return edVerify(null, msg, key, sig);
  } catch {
    return false;
  }
}

/** A parsed key string: name, key ID, signature type byte and the key bytes after it. */
export interface ParsedKey {
  name: string;
  keyId: number;
  alg: number;
  key: Uint8Array;
}

/**
 * Parses the '<name>+<8 hex keyid>+<base64(type || key)>' part of a key string (the verifier form,
 * or a signer key after its 'PRIVATE+KEY+' prefix). Checks syntax only, not the key ID.
 */
export function parseKeyParts(s: string, what: string): ParsedKey {
  const bad = (why: string): KeyFormatError => new KeyFormatError(`tlog: malformed ${what}: ${why}`);
  if (typeof s !== 'string' || s.length > MAX_KEY_STRING) throw bad('too long');
  // The name cannot contain '+', the key ID is hex, the base64 may contain '+': split at the first two.
  const p1 = s.indexOf('+');
  const p2 = p1 < 0 ? -1 : s.indexOf('+', p1 + 1);
  if (p2 < 0) throw bad("expected '<name>+<key id>+<base64 key>'");
  const name = s.slice(0, p1);
  const idHex = s.slice(p1 + 1, p2);
  const b64 = s.slice(p2 + 1);
  if (!isValidKeyName(name)) throw bad('key name must be non-empty without spaces or +');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw bad('key ID must be 8 lowercase hex digits');
  const raw = decodeBase64Strict(b64);
  if (raw === undefined || raw.length < 2) throw bad('key is not valid base64');
  return { name, keyId: parseInt(idHex, 16), alg: raw[0], key: raw.subarray(1) };
}

/**
 * Splits a signer key string 'PRIVATE+KEY+<name>+<id>+<base64>' into its parts (syntax only).
 */
export function parseSignerKeyParts(signerKey: string): ParsedKey {
  const prefix = 'PRIVATE+KEY+';
  if (typeof signerKey !== 'string' || !signerKey.startsWith(prefix)) {
    throw new KeyFormatError("tlog: malformed signer key: must start with 'PRIVATE+KEY+'");
  }
  return parseKeyParts(signerKey.slice(prefix.length), 'signer key');
}

/**
 * A fresh Ed25519 note key pair for `name` as Go note key strings: signer
 * 'PRIVATE+KEY+<name>+<id>+<base64(0x01||seed)>' and verifier '<name>+<id>+<base64(0x01||pubkey)>'.
 * `seed` (32 bytes) makes it deterministic; otherwise it comes from the system CSPRNG.
 */
export function generateKey(name: string, seed?: Uint8Array): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new KeyFormatError(`tlog: invalid key name ${JSON.stringify(name)}: must be non-empty without spaces or +`);
  const s = seed ?? new Uint8Array(randomBytes(32));
  if (s.length !== 32) throw new KeyFormatError('tlog: an Ed25519 seed must be 32 bytes');
  const pub = new Uint8Array([ALG_ED25519, ...ed25519PublicFromSeed(s)]);
  const id = hex8(keyId(name, pub));
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${encodeBase64(new Uint8Array([ALG_ED25519, ...s]))}`,
    verifierKey: `${name}+${id}+${encodeBase64(pub)}`,
  };
}

/**
 * A Signer for an Ed25519 signer key string. Throws KeyFormatError when the string is malformed, not
 * Ed25519, or its key ID does not match the key.
 */
export function newSigner(signerKey: string): Signer {
  const k = parseSignerKeyParts(signerKey);
  if (k.alg !== ALG_ED25519 || k.key.length !== 32) {
    throw new KeyFormatError(`tlog: signer key ${k.name} is not an Ed25519 note key`);
  }
  const pub = new Uint8Array([ALG_ED25519, ...ed25519PublicFromSeed(k.key)]);
  if (keyId(k.name, pub) !== k.keyId) throw new KeyFormatError(`tlog: signer key ${k.name} has the wrong key ID`);
  const priv = ed25519PrivateKey(k.key);
  return { name: k.name, keyId: k.keyId, sign: (msg) => ed25519Sign(priv, msg) };
}

/**
 * A Verifier for an Ed25519 verifier key string '<name>+<id>+<base64(0x01||pubkey)>'. Throws
 * KeyFormatError when malformed, not type 0x01, or the key ID does not match.
 */
export function newVerifier(verifierKey: string): Verifier {
  const k = parseKeyParts(verifierKey, 'verifier key');
  if (k.alg !== ALG_ED25519 || k.key.length !== 32) {
    throw new KeyFormatError(`tlog: verifier key ${k.name} is not an Ed25519 note key`);
  }
  if (keyId(k.name, new Uint8Array([ALG_ED25519, ...k.key])) !== k.keyId) {
    throw new KeyFormatError(`tlog: verifier key ${k.name}+${hex8(k.keyId)} has the wrong key ID`);
  }
  let pub: KeyObject;
  try {
    pub = ed25519PublicKey(k.key);
  } catch (err) {
    throw new KeyFormatError(`tlog: verifier key ${k.name} is not a valid Ed25519 key`, { cause: err });
  }
  return { name: k.name, keyId: k.keyId, verify: (msg, sig) => ed25519Verify(pub, msg, sig) };
}

// Note text rules shared by signing and opening: well-formed, no control characters but newline.
function textProblem(text: string): string | undefined {
  if (LONE_SURROGATE_RE.test(text)) return 'is not valid Unicode';
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) return 'contains a control character';
  return undefined;
}

/**
 * Signs `text` (which must end in a newline, contain no control characters but newline, and not end
 * in a blank line) with each signer; returns the note bytes: text, blank line, one signature line per
 * signer. Throws MalformedNoteError for bad text, KeyFormatError for a bad or duplicate signer.
 */
export function signNote(text: string, signers: Signer[]): Uint8Array {
  if (!text.endsWith('\n')) throw new MalformedNoteError('tlog: note text must end in a newline');
  // A blank line at the end of the text would be taken as the signature separator when opened.
  if (text === '\n' || text.endsWith('\n\n')) throw new MalformedNoteError('tlog: note text must not end in a blank line');
  const problem = textProblem(text);
  if (problem !== undefined) throw new MalformedNoteError(`tlog: note text ${problem}`);
  const body = encoder.encode(text);
  if (body.length > MAX_NOTE_SIZE) throw new MalformedNoteError(`tlog: note text exceeds ${MAX_NOTE_SIZE} bytes`);
  if (signers.length === 0) throw new KeyFormatError('tlog: a note needs at least one signer');
  if (signers.length > MAX_NOTE_SIGNATURES) throw new KeyFormatError(`tlog: at most ${MAX_NOTE_SIGNATURES} signers`);
  const seen = new Set<string>();
  let out = text + '\n';
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new KeyFormatError(`tlog: invalid signer name ${JSON.stringify(s.name)}`);
    if (!Number.isInteger(s.keyId) || s.keyId < 0 || s.keyId > 0xffffffff) throw new KeyFormatError(`tlog: signer ${s.name} has an invalid key ID`);
    const k = `${s.name}+${hex8(s.keyId)}`;
    if (seen.has(k)) throw new KeyFormatError(`tlog: duplicate signer ${k}`);
    seen.add(k);
    const sig = s.sign(body);
    const line = new Uint8Array(4 + sig.length);
    new DataView(line.buffer).setUint32(0, s.keyId);
    line.set(sig, 4);
    out += `${SIG_PREFIX}${s.name} ${encodeBase64(line)}\n`;
  }
  return encoder.encode(out);
}

/**
 * Opens a signed note: checks its form (at most 1 MiB, valid UTF-8, no control characters but
 * newline, text split from signatures at the last blank line, 1..100 well-formed signature lines)
 * and verifies every signature whose (name, key ID) matches a verifier. Returns the text, the
 * verified signatures and the signatures from unknown keys (exact duplicate lines dropped).
 * Throws MalformedNoteError, InvalidSignatureError (a known key's signature fails) or
 * UnverifiedNoteError (no known key signed); KeyFormatError when two different verifiers share a
 * name and key ID (an ambiguous configuration, not the note's fault).
 */
export function openNote(
  msg: Uint8Array,
  verifiers: Verifier[],
): { text: string; sigs: NoteSig[]; unverifiedSigs: NoteSig[] } {
  const malformed = (why: string): MalformedNoteError => new MalformedNoteError(`tlog: malformed note: ${why}`);
  if (msg.length > MAX_NOTE_SIZE) throw malformed(`larger than ${MAX_NOTE_SIZE} bytes`);
  let s: string;
  try {
    s = strictDecoder.decode(msg);
  } catch {
    throw malformed('not valid UTF-8');
  }
  if (/[\u0000-\u0009\u000b-\u001f]/.test(s)) throw malformed('contains a control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  let sigBlock = s.slice(split + 2);
  if (sigBlock.length === 0 || !sigBlock.endsWith('\n')) throw malformed('signature block must end in a newline');

  const known = new Map<string, Verifier>();
  for (const v of verifiers) {
    const k = `${v.name}+${hex8(v.keyId)}`;
    const prior = known.get(k);
    if (prior !== undefined && prior !== v) throw new KeyFormatError(`tlog: two verifier keys share the name and key ID ${k}`);
    known.set(k, v);
  }

  const body = encoder.encode(text);
  const sigs: NoteSig[] = [];
  const unverifiedSigs: NoteSig[] = [];
  const seenLines = new Set<string>();
  let count = 0;
  sigBlock = sigBlock.slice(0, -1);
  for (const line of sigBlock.split('\n')) {
    if (!line.startsWith(SIG_PREFIX)) throw malformed("signature line does not start with '\u2014 '");
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    if (sp < 0) throw malformed('signature line has no key name');
    const name = rest.slice(0, sp);
    const b64 = rest.slice(sp + 1);
    const raw = decodeBase64Strict(b64);
    if (!isValidKeyName(name) || raw === undefined || raw.length < 5) throw malformed(`bad signature line for ${JSON.stringify(name.slice(0, 100))}`);
    if (++count > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
    // Exact repeats add nothing; distinct lines from a known key are all verified.
    if (seenLines.has(rest)) continue;
    seenLines.add(rest);
    const id = new DataView(raw.buffer, raw.byteOffset, raw.length).getUint32(0);
    const sig: NoteSig = { name, keyId: id, base64: b64 };
    const v = known.get(`${name}+${hex8(id)}`);
    if (v === undefined) {
      unverifiedSigs.push(sig);
      continue;
    }
    if (!v.verify(body, raw.subarray(4))) {
      throw new InvalidSignatureError(`tlog: invalid signature for key ${name}+${hex8(id)}`, name, id);
    }
    if (!sigs.some((x) => x.name === name && x.keyId === id)) sigs.push(sig);
  }
  if (sigs.length === 0) throw new UnverifiedNoteError('tlog: note has no verifiable signatures');
  return { text, sigs, unverifiedSigs };
}
