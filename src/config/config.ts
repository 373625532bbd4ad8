// The distsum configuration file (distsum.toml beside a lock file, or the user's config.toml):
// which known-hashes log to check against and with which key, and the trust policies that say where
// each project's release manifests live and who may sign them.
//
//   [log]
//   url = "https://log.example.org"
//   key = "log.example.org+1a2b3c4d+AZ..."          # note verifier key: never trust an unkeyed log
//   witnesses = ["witness.example+...+BA..."]       # optional cosigners
//   min_witnesses = 1                               # cosignatures every checkpoint needs
//
//   [verify]
//   strict = true                                   # files the log does not know fail
//
//   [trust.example-pkg]
//   manifest = "https://example.org/releases/{name}-{version}.hashes.txt"
//   signature = "https://example.org/releases/{name}-{version}.hashes.txt.sig"   # default: manifest + .sig
//   signers = "allowed_signers"                     # relative to this file
//   identity = "maintainer@example.org"
//   require_log = true                              # unknown-to-the-log fails for this project
//
// Unknown keys inside these tables are refused (a misspelt `signers` must not silently switch off
// signature checks); other top-level tables are left to whoever owns them.

import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { InputError } from '../errors.ts';
import { normalizeProjectName } from '../dist/name.ts';
import { templateProblem, urlProblem } from './template.ts';

/** Largest configuration file read, in bytes. */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Most trust policies one file may hold. */
export const MAX_POLICIES = 10_000;

/** Most witness keys a log configuration may list. */
export const MAX_WITNESSES = 100;

/** The [log] table. Every field may be absent (another file or the environment may supply it). */
export interface LogSettings {
  /** Base URL of the log server (scheme checked by urlProblem). */
  url?: string;
  /** The log's note verifier key string. */
  key?: string;
  /** Witness (cosigner or note) verifier key strings. */
  witnesses?: string[];
  /** Valid witness cosignatures each checkpoint must carry; 0..witnesses.length. */
  minWitnesses?: number;
}

/**
 * A trust policy: the project's release manifests are at `manifest` (a URL template with {name} and
 * {version}); when `signers` is set, each must carry an SSHSIG by a key that allowed_signers file
 * lists (for `identity`, when set). Invariant: project is PEP 503 normalized; templates pass
 * templateProblem; signers is an absolute path; identity only with signers.
 */
export interface TrustPolicy {
  project: string;
  manifest: string;
  signature?: string;
  signers?: string;
  identity?: string;
  /** When true, a file of this project that the log does not know fails even without --strict. */
  requireLog?: boolean;
}

/** One configuration file, parsed and checked. */
export interface ConfigFile {
  path: string;
  log: LogSettings;
  /** [verify] strict. */
  strict?: boolean;
  /** By normalized project name. */
  trust: Map<string, TrustPolicy>;
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The snake_case key in the file for each TrustPolicy field (also the order they are written in). */
export const TRUST_KEYS = { manifest: 'manifest', signature: 'signature', signers: 'signers', identity: 'identity', requireLog: 'require_log' } as const;

const LOG_KEYS = new Set(['url', 'key', 'witnesses', 'min_witnesses']);
const VERIFY_KEYS = new Set(['strict']);
const POLICY_KEYS = new Set<string>(Object.values(TRUST_KEYS));
const PROJECT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/;

/**
 * Parses configuration text read from `path` (relative `signers` paths are taken from its
 * directory). Throws InputError naming the file, and the table and key at fault, for invalid TOML,
 * wrong types, unknown keys in distsum's tables, bad URLs or templates, and two trust tables for
 * the same normalized project.
 */
export function parseConfig(text: string, path: string): ConfigFile {
  if (text.length > MAX_CONFIG_BYTES) throw new InputError(`${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
  let doc: Table;
  try {
    doc = parseToml(text, { maxDepth: 16 }) as Table;
  } catch (e) {
    const where = e instanceof TomlError ? `${path}:${e.line}` : path;
    throw new InputError(`${where}: not valid TOML: ${(e as Error).message.split('\n')[0].replace(/^Invalid TOML document: /, '')}`);
  }
  const bad = (where: string, why: string) => new InputError(`${path}: ${where}: ${why}`);
  const table = (v: unknown, where: string): Table => {
    if (!isTable(v)) throw bad(where, 'must be a table');
    return v;
  };
  const str = (t: Table, key: string, where: string): string | undefined => {
    const v = t[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw bad(`${where}.${key}`, 'must be a non-empty string');
    return v;
  };
  const onlyKeys = (t: Table, allowed: Set<string>, where: string) => {
    for (const k of Object.keys(t)) if (!allowed.has(k)) throw bad(where, `unknown key ${JSON.stringify(k.slice(0, 80))} (allowed: ${[...allowed].join(', ')})`);
  };

  const cfg: ConfigFile = { path, log: {}, trust: new Map() };
  if (doc.log !== undefined) {
    const t = table(doc.log, '[log]');
    onlyKeys(t, LOG_KEYS, '[log]');
    const url = str(t, 'url', 'log');
    if (url !== undefined) {
      const p = urlProblem(url);
      if (p) throw bad('log.url', p);
      cfg.log.url = url;
    }
    const key = str(t, 'key', 'log');
    if (key !== undefined) cfg.log.key = key;
    if (t.witnesses !== undefined) {
      const w = t.witnesses;
      if (!Array.isArray(w) || w.length > MAX_WITNESSES || w.some((k) => typeof k !== 'string' || k.length === 0 || k.length > 4096)) {
        throw bad('log.witnesses', `must be a list of at most ${MAX_WITNESSES} key strings`);
      }
      cfg.log.witnesses = w as string[];
    }
    if (t.min_witnesses !== undefined) {
      const n = t.min_witnesses;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_WITNESSES) throw bad('log.min_witnesses', `must be an integer 0..${MAX_WITNESSES}`);
      cfg.log.minWitnesses = n;
    }
  }
  if (doc.verify !== undefined) {
    const t = table(doc.verify, '[verify]');
    onlyKeys(t, VERIFY_KEYS, '[verify]');
    if (t.strict !== undefined) {
      if (typeof t.strict !== 'boolean') throw bad('verify.strict', 'must be true or false');
      cfg.strict = t.strict;
    }
  }
  if (doc.trust !== undefined) {
    const t = table(doc.trust, '[trust]');
    const names = Object.keys(t);
    if (names.length > MAX_POLICIES) throw bad('[trust]', `more than ${MAX_POLICIES} policies`);
    for (const name of names) {
      const where = `[trust.${name.slice(0, 80)}]`;
      if (!PROJECT_NAME.test(name)) throw bad(where, 'the table name must be a project name');
      const p = table(t[name], where);
      onlyKeys(p, POLICY_KEYS, where);
      const project = normalizeProjectName(name);
      if (cfg.trust.has(project)) throw bad(where, `a second policy for ${project}`);
      const manifest = str(p, 'manifest', `trust.${name}`);
      if (manifest === undefined) throw bad(where, 'needs manifest = "<URL template>"');
      const mp = templateProblem(manifest);
      if (mp) throw bad(`trust.${name}.manifest`, mp);
      const policy: TrustPolicy = { project, manifest };
      const signature = str(p, 'signature', `trust.${name}`);
      if (signature !== undefined) {
        const sp = templateProblem(signature);
        if (sp) throw bad(`trust.${name}.signature`, sp);
        policy.signature = signature;
      }
      const signers = str(p, 'signers', `trust.${name}`);
      if (signers !== undefined) policy.signers = isAbsolute(signers) ? signers : resolve(dirname(path), signers);
      const identity = str(p, 'identity', `trust.${name}`);
      if (identity !== undefined) {
        if (signers === undefined) throw bad(where, 'identity needs signers (the allowed_signers file)');
        if (/[\u0000-\u001f]/.test(identity)) throw bad(`trust.${name}.identity`, 'must be one line');
        policy.identity = identity;
      }
      if (p.require_log !== undefined) {
        if (typeof p.require_log !== 'boolean') throw bad(`trust.${name}.require_log`, 'must be true or false');
        policy.requireLog = p.require_log;
      }
      cfg.trust.set(project, policy);
    }
  }
  return cfg;
}
