// The log's secrets on disk: the Ed25519 note signer key (signs checkpoints) and the admin bearer
// token (HTTP write API), both mode 0600 in the data directory, plus the public verifier key.

import { randomBytes } from 'node:crypto';
import { openSync, closeSync, writeSync, fsyncSync, readFileSync, statSync } from 'node:fs';
import { generateKey, isValidKeyName, newSigner, newVerifier } from '../tlog/note.ts';
import type { Signer, Verifier } from '../tlog/note.ts';
import { InputError, UsageError } from '../errors.ts';
import type { DataPaths } from '../config/paths.ts';

/** Largest key or token file read (a note key string is about 100 bytes). */
const MAX_KEY_FILE = 4096;

/**
 * Why `origin` cannot name a log, or undefined. The origin is the checkpoint's first line and the
 * note key name: non-empty, at most 256 characters, no whitespace, no '+' (C2SP suggests a
 * schema-less URL such as example.com/log).
 */
export function originProblem(origin: string): string | undefined {
  if (origin.length === 0) return 'the origin is empty';
  if (origin.length > 256) return 'the origin is longer than 256 characters';
  if (!isValidKeyName(origin) || /[\p{Cc}\p{Cf}]/u.test(origin)) {
    return `origin ${JSON.stringify(origin)} must be a name without spaces, control characters or '+', e.g. example.com/log`;
  }
  return undefined;
}

// Creates `path` exclusively (never overwrites), writes `text`, fsyncs.
function writeNew(path: string, text: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${path} already exists; refusing to overwrite it`);
    throw new InputError(`cannot create ${path}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Generates a new note key for `origin` and an admin token and writes them into the data directory
 * (signer key and token mode 0600). Refuses to overwrite any of the files. `seed` (32 bytes) and
 * `token` make it deterministic for tests. Returns the verifier key string and the signer.
 */
export function createKeyFiles(
  paths: DataPaths,
  origin: string,
  opts: { seed?: Uint8Array; token?: string } = {},
): { verifierKey: string; signer: Signer } {
  const problem = originProblem(origin);
  if (problem) throw new UsageError(problem);
  const { signerKey, verifierKey } = generateKey(origin, opts.seed);
  const token = opts.token ?? randomBytes(32).toString('base64url');
  writeNew(paths.signerKey, signerKey + '\n', 0o600);
  writeNew(paths.adminToken, token + '\n', 0o600);
  writeNew(paths.verifierKey, verifierKey + '\n', 0o644);
  return { verifierKey, signer: newSigner(signerKey) };
}

// Reads a small secret file: one line, bounded, refused when others may read it.
function readSecret(path: string, what: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`${what} ${path} does not exist (run distsum log init, or pass --data)`);
  }
  if (!st.isFile()) throw new InputError(`${what} ${path} is not a file`);
  if (st.size > MAX_KEY_FILE) throw new InputError(`${what} ${path} is larger than ${MAX_KEY_FILE} bytes; it is not a key file`);
  if ((st.mode & 0o077) !== 0) {
    throw new InputError(`${what} ${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`);
  }
  const text = readFileSync(path, 'utf8');
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (line.length === 0 || line.includes('\n')) throw new InputError(`${what} ${path} must hold exactly one line`);
  return line;
}

/**
 * The log's signer from the data directory, checked against the verifier key the store recorded at
 * init: a key file from another log (or a damaged one) is refused with InputError, so the log never
 * signs with a key its clients do not trust.
 */
export function loadSigner(paths: DataPaths, verifierKey: string): Signer {
  const text = readSecret(paths.signerKey, 'note key');
  let signer: Signer;
  let verifier: Verifier;
  try {
    signer = newSigner(text);
  } catch {
    throw new InputError(`note key ${paths.signerKey} is not a note signer key (PRIVATE+KEY+<origin>+<id>+<key>)`);
  }
  try {
    verifier = newVerifier(verifierKey);
  } catch {
    throw new InputError(`the log store's verifier key ${JSON.stringify(verifierKey.slice(0, 100))} is malformed`);
  }
  const probe = new TextEncoder().encode('distsum key check\n');
  if (signer.name !== verifier.name || signer.keyId !== verifier.keyId || !verifier.verify(probe, signer.sign(probe))) {
    throw new InputError(`note key ${paths.signerKey} is not the key of this log (${verifier.name}+${verifier.keyId.toString(16).padStart(8, '0')})`);
  }
  return signer;
}

/** The admin bearer token from the data directory. */
export function loadAdminToken(paths: DataPaths): string {
  return readSecret(paths.adminToken, 'admin token');
}
