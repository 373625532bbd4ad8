// Loading SSH private keys for signing: OpenSSH's own format (`-----BEGIN OPENSSH PRIVATE KEY-----`,
// optionally encrypted with bcrypt-pbkdf + aes256-ctr), decoded and decrypted by sshpk and rebuilt as a
// node:crypto KeyObject through JWK; and PEM keys (PKCS#1, SEC1, PKCS#8, encrypted or not, as
// `ssh-keygen -m PEM|PKCS8` writes them), read by node:crypto itself because sshpk's PEM decryption reports
// a wrong passphrase as an uncaught exception. All signing happens in node:crypto.

import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type sshpk from 'sshpk';
import { InputError } from '../errors.ts';
import { ecdsaCurve, parsePublicKeyBlob, publicKeyFromKeyObject } from './keys.ts';
import type { SshPublicKey } from './keys.ts';
import { signRaw, verifyRaw } from './signature.ts';
import type { SshPrivateKey } from './signature.ts';
import { decodeBase64Strict, fixedLength, readBytes, readString, readText, readUint32, reader } from './wire.ts';

/** Largest private key file we read (an RSA-16384 key in OpenSSH format is about 12 KiB). */
export const MAX_PRIVATE_KEY_FILE = 256 * 1024;
/**
 * Most bcrypt-pbkdf rounds we accept (ssh-keygen's default is 16, `-a 100` is a common choice). The rounds
 * come from the file and sshpk's bcrypt runs about 30 ms a round here, so 1024 is about half a minute; a
 * huge value would otherwise make decryption run for hours.
 */
export const MAX_BCRYPT_ROUNDS = 1024;

const OPENSSH_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const OPENSSH_END = '-----END OPENSSH PRIVATE KEY-----';
const AUTH_MAGIC = 'openssh-key-v1\0';

/** What the unencrypted header of an OpenSSH-format private key tells without the passphrase. */
export interface OpensshKeyHeader {
  cipher: string;
  kdf: string;
  /** bcrypt rounds, when kdf is bcrypt. */
  rounds?: number;
  /** The public key stored in clear next to the (possibly encrypted) private key, if supported. */
  publicKey?: SshPublicKey;
  /** Length of the (possibly encrypted) private section. */
  privateLength: number;
}

/** True when the text is an OpenSSH-format private key (by its armor line). */
export function isOpensshPrivateKey(text: string): boolean {
  return text.trimStart().startsWith(OPENSSH_BEGIN);
}

/**
 * Reads the clear header of an OpenSSH-format private key (cipher, KDF, rounds, public key) without
 * decrypting it. Throws InputError naming `name` when the structure is malformed.
 */
export function readOpensshKeyHeader(text: string, name = 'private key'): OpensshKeyHeader {
  const t = text.trim();
  const endAt = t.indexOf(OPENSSH_END);
  if (!t.startsWith(OPENSSH_BEGIN) || endAt < 0) throw new InputError(`${name} is not an OpenSSH private key`);
  try {
    const blob = decodeBase64Strict(t.slice(OPENSSH_BEGIN.length, endAt).replace(/\s+/g, ''), 'key body');
    const r = reader(blob);
    const magic = Buffer.from(readBytes(r, AUTH_MAGIC.length, 'magic')).toString('latin1');
    if (magic !== AUTH_MAGIC) throw new InputError('missing openssh-key-v1 magic');
    const cipher = readText(r, 'cipher name', 64);
    const kdf = readText(r, 'kdf name', 64);
    const kdfOptions = readString(r, 'kdf options', 1024);
    const nkeys = readUint32(r, 'key count');
    if (nkeys !== 1) throw new InputError(`holds ${nkeys} keys; exactly 1 is supported`);
    const pubBlob = readString(r, 'public key', 8192);
    let rounds: number | undefined;
    if (kdf === 'bcrypt') {
      const o = reader(kdfOptions);
      readString(o, 'bcrypt salt', 1024);
      rounds = readUint32(o, 'bcrypt rounds');
    }
    const privateLength = readString(r, 'private section', MAX_PRIVATE_KEY_FILE).length;
    let publicKey: SshPublicKey | undefined;
    try {
      publicKey = parsePublicKeyBlob(pubBlob);
    } catch {
      publicKey = undefined; // unsupported type: reported when the key itself is loaded
    }
    return { cipher, kdf, rounds, publicKey, privateLength };
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${name} is not a valid OpenSSH private key: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Options for loadPrivateKey. */
export interface LoadPrivateKeyOptions {
  /** The key's file name, for messages. */
  name?: string;
  /** Called only when the key is encrypted; supplies its passphrase (the CLI reads an env var or a terminal). */
  getPassphrase?: () => Promise<string>;
}

type SshpkPart = { name: string; data: Buffer };

function part(parts: SshpkPart[], name: string): Uint8Array {
  const p = parts.find((x) => x.name === name);
  if (!p) throw new InputError(`key is missing its ${name} component`);
  return new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.length);
}

function b64u(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return Buffer.from(b.subarray(i)).toString('base64url');
}

function toBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

function fromBig(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function modInverse(a: bigint, m: bigint): bigint {
  // Extended Euclid; p and q are prime, so the inverse exists for a valid key.
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new InputError('RSA key primes are not coprime');
  return ((s0 % m) + m) % m;
}

/** Rebuilds an sshpk private key as a node:crypto KeyObject (via JWK, which every key kind here has). */
function toKeyObject(key: { type: string; curve?: string; parts: SshpkPart[] }): KeyObject {
  let jwk: Record<string, string>;
  if (key.type === 'ed25519') {
    // sshpk keeps the 32-byte seed in k (some formats append the public key: keep the seed only).
    const k = part(key.parts, 'k');
    jwk = { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(k.subarray(0, 32)).toString('base64url'), x: Buffer.from(part(key.parts, 'A')).toString('base64url') };
  } else if (key.type === 'ecdsa') {
    const curve = ecdsaCurve(`ecdsa-sha2-${key.curve ?? ''}`);
    if (!curve) throw new InputError(`unsupported ECDSA curve ${key.curve}`);
    const q = part(key.parts, 'Q');
    if (q.length !== 1 + 2 * curve.size || q[0] !== 4) throw new InputError('ECDSA public point is not uncompressed');
    const b = (x: Uint8Array) => Buffer.from(x).toString('base64url');
    jwk = {
      kty: 'EC',
      crv: curve.jwkCurve,
      x: b(q.subarray(1, 1 + curve.size)),
      y: b(q.subarray(1 + curve.size)),
      d: b(fixedLength(part(key.parts, 'd'), curve.size)),
    };
  } else if (key.type === 'rsa') {
    const d = toBig(part(key.parts, 'd'));
    const p = toBig(part(key.parts, 'p'));
    const q = toBig(part(key.parts, 'q'));
    if (p < 2n || q < 2n) throw new InputError('RSA key has invalid primes');
    jwk = {
      kty: 'RSA',
      n: b64u(part(key.parts, 'n')),
      e: b64u(part(key.parts, 'e')),
      d: b64u(fromBig(d)),
      p: b64u(fromBig(p)),
      q: b64u(fromBig(q)),
      dp: b64u(fromBig(d % (p - 1n))),
      dq: b64u(fromBig(d % (q - 1n))),
      qi: b64u(fromBig(modInverse(q, p))),
    };
  } else {
    throw new InputError(`unsupported key type ${key.type} (use ed25519, ecdsa or rsa)`);
  }
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

/**
 * OpenSSH ciphers handed to sshpk. sshpk decrypts through a stream whose 'error' handler throws, which
 * escapes as an uncaught exception (a crash, not an error we can catch) whenever the decipher's final step
 * fails. CTR and CBC without padding never fail there as long as the data is whole blocks, which
 * readOpensshKeyHeader lets us check first; GCM (no tag given) and others would, so they are refused.
 */
const SSHPK_SAFE_CIPHERS = new Set(['none', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-cbc', 'aes192-cbc', 'aes256-cbc']);

function errName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

function firstLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0];
}

function unreadable(name: string, e: unknown): InputError {
  return new InputError(`cannot read ${name} as an SSH private key: ${firstLine(e)}`, { cause: e });
}

/** OpenSSH format through sshpk; returns the node:crypto private key. */
async function loadOpenssh(buf: Buffer, header: OpensshKeyHeader, name: string, getPassphrase?: () => Promise<string>): Promise<KeyObject> {
  if (!SSHPK_SAFE_CIPHERS.has(header.cipher)) throw new InputError(`${name} is encrypted with ${header.cipher}, which distsum cannot decrypt (re-encrypt it with ssh-keygen -p)`);
  if (header.cipher !== 'none' && header.kdf !== 'bcrypt') throw new InputError(`${name} uses key derivation ${header.kdf}; only bcrypt is supported`);
  if (header.rounds !== undefined && header.rounds > MAX_BCRYPT_ROUNDS) {
    throw new InputError(`${name} uses ${header.rounds} bcrypt rounds; at most ${MAX_BCRYPT_ROUNDS} are accepted`);
  }
  if (header.privateLength % (header.cipher === 'none' ? 8 : 16) !== 0) throw new InputError(`${name} is not a valid OpenSSH private key: private section is not whole cipher blocks`);
  let passphrase: string | undefined;
  if (header.cipher !== 'none') {
    if (!getPassphrase) throw new InputError(`${name} is encrypted and no passphrase was supplied`);
    passphrase = await getPassphrase();
  }
  // Loaded here, not at start-up: sshpk costs tens of milliseconds to load and only key files need it.
  const { default: sshpkLib } = await import('sshpk');
  let parsed: sshpk.PrivateKey;
  try {
    parsed = sshpkLib.parsePrivateKey(buf, 'ssh-private', passphrase === undefined ? { filename: name } : { filename: name, passphrase });
  } catch (e) {
    if (passphrase !== undefined && /passphrase/i.test(firstLine(e))) {
      throw new InputError(`wrong passphrase for ${name} (could not decrypt the key)`, { cause: e });
    }
    if (errName(e) === 'KeyEncryptedError') throw new InputError(`${name} is encrypted and no passphrase was supplied`, { cause: e });
    throw unreadable(name, e);
  }
  return toKeyObject(parsed as unknown as { type: string; curve?: string; parts: SshpkPart[] });
}

/** PEM (PKCS#1, SEC1, PKCS#8, legacy-encrypted or encrypted PKCS#8) through node:crypto. */
async function loadPem(buf: Buffer, name: string, getPassphrase?: () => Promise<string>): Promise<KeyObject> {
  // Decide from the armor (legacy "Proc-Type: 4,ENCRYPTED" or PKCS#8 "ENCRYPTED PRIVATE KEY"):
  // OpenSSL's error for a missing passphrase differs between the two.
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(buf.toString('latin1'));
  if (!encrypted) {
    try {
      return createPrivateKey({ key: buf, format: 'pem' });
    } catch (e) {
      throw unreadable(name, e);
    }
  }
  if (!getPassphrase) throw new InputError(`${name} is encrypted and no passphrase was supplied`);
  const passphrase = await getPassphrase();
  try {
    return createPrivateKey({ key: buf, format: 'pem', passphrase });
  } catch (e) {
    throw new InputError(`wrong passphrase for ${name} (could not decrypt the key)`, { cause: e });
  }
}

/**
 * Loads a private key for signing: OpenSSH format (decoded and decrypted by sshpk) or PEM (by
 * node:crypto). Encrypted keys ask `getPassphrase` once; a wrong passphrase is an InputError that says
 * so. The result is self-checked (a test signature verifies with the public half), so a corrupt key fails
 * here rather than producing signatures nobody can verify.
 */
export async function loadPrivateKey(data: Uint8Array | string, opts: LoadPrivateKeyOptions = {}): Promise<SshPrivateKey> {
  const name = opts.name ?? 'private key';
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.length);
  if (buf.length > MAX_PRIVATE_KEY_FILE) throw new InputError(`${name} is larger than ${MAX_PRIVATE_KEY_FILE} bytes; not a private key`);
  const text = buf.toString('latin1');
  let header: OpensshKeyHeader | undefined;
  let privateKey: KeyObject;
  try {
    if (isOpensshPrivateKey(text)) {
      header = readOpensshKeyHeader(text, name);
      privateKey = await loadOpenssh(buf, header, name, opts.getPassphrase);
    } else if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
      privateKey = await loadPem(buf, name, opts.getPassphrase);
    } else {
      throw new InputError(`cannot read ${name} as an SSH private key: no "-----BEGIN OPENSSH PRIVATE KEY-----" or PEM private key in it`);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw unreadable(name, e);
  }
  let publicKey: SshPublicKey;
  try {
    publicKey = publicKeyFromKeyObject(privateKey);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${name}: ${e.message}`, { cause: e });
    throw unreadable(name, e);
  }
  const key: SshPrivateKey = { publicKey, privateKey };
  if (header?.publicKey && !Buffer.from(header.publicKey.blob).equals(Buffer.from(publicKey.blob))) {
    throw new InputError(`${name} is corrupt: its public and private halves do not match`);
  }
  const probe = new TextEncoder().encode('distsum key self-check');
  if (!verifyRaw(publicKey, signRaw(key, probe), probe)) throw new InputError(`${name} is corrupt: a test signature does not verify`);
  return key;
}
