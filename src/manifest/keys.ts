// OpenSSH public keys: the wire blob (RFC 4253 6.6, RFC 5656 3.1, RFC 8709), the one-line text form
// (`ssh-ed25519 AAAA... comment`), fingerprints as `ssh-keygen -l` prints them, and the conversion to
// node:crypto KeyObjects that do the actual verification.

import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { InputError } from '../errors.ts';
import {
  bytesEqual,
  concat,
  decodeBase64Strict,
  encodeMpint,
  encodeString,
  expectEnd,
  readMpint,
  readString,
  readText,
  reader,
} from './wire.ts';

/** SSH public key algorithms distsum verifies and signs with. */
export type SshKeyType = 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

/** Key type as `ssh-keygen -l` and `ssh-keygen -Y verify` print it. */
export type SshKeyDisplayType = 'ED25519' | 'ECDSA' | 'RSA';

/**
 * A parsed SSH public key. Invariant: `blob` is the canonical wire encoding re-made from the key's
 * components (what OpenSSH hashes for fingerprints and compares for equality), and `key` is the same key
 * as a node:crypto public KeyObject.
 */
export interface SshPublicKey {
  readonly type: SshKeyType;
  readonly blob: Uint8Array;
  readonly key: KeyObject;
  /** Size as `ssh-keygen -l` prints it: 256 for Ed25519, the curve size for ECDSA, modulus bits for RSA. */
  readonly bits: number;
}

/** Per-curve parameters: JWK curve name, RFC 5656 hash, field size in bytes. */
export interface EcdsaCurve {
  readonly sshName: 'nistp256' | 'nistp384' | 'nistp521';
  readonly jwkCurve: 'P-256' | 'P-384' | 'P-521';
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly size: number;
  readonly bits: number;
}

const CURVES: Record<string, EcdsaCurve> = {
  'ecdsa-sha2-nistp256': { sshName: 'nistp256', jwkCurve: 'P-256', hash: 'sha256', size: 32, bits: 256 },
  'ecdsa-sha2-nistp384': { sshName: 'nistp384', jwkCurve: 'P-384', hash: 'sha384', size: 48, bits: 384 },
  'ecdsa-sha2-nistp521': { sshName: 'nistp521', jwkCurve: 'P-521', hash: 'sha512', size: 66, bits: 521 },
};

/** The ECDSA curve parameters of an `ecdsa-sha2-*` key type, or undefined for other types. */
export function ecdsaCurve(type: string): EcdsaCurve | undefined {
  return Object.hasOwn(CURVES, type) ? CURVES[type] : undefined;
}

/** True for the key types distsum supports. */
export function isSupportedKeyType(type: string): type is SshKeyType {
  return type === 'ssh-ed25519' || type === 'ssh-rsa' || ecdsaCurve(type) !== undefined;
}

/**
 * Key types OpenSSH knows that distsum does not verify (DSA, FIDO security keys, certificates). Listed so a
 * file using them can be told apart from a malformed one.
 */
export function isKnownUnsupportedKeyType(type: string): boolean {
  return (
    type === 'ssh-dss' ||
    type === 'sk-ssh-ed25519@openssh.com' ||
    type === 'sk-ecdsa-sha2-nistp256@openssh.com' ||
    type === 'ssh-xmss@openssh.com' ||
    type.endsWith('-cert-v01@openssh.com')
  );
}

/** RSA moduli OpenSSH accepts: at least 1024 bits (SSH_RSA_MINIMUM_MODULUS_SIZE), at most 16384. */
export const RSA_MIN_BITS = 1024;
export const RSA_MAX_BITS = 16384;

/** The display type (`ED25519`, `ECDSA`, `RSA`) of a key, as ssh-keygen prints it. */
export function keyDisplayType(key: SshPublicKey): SshKeyDisplayType {
  if (key.type === 'ssh-ed25519') return 'ED25519';
  if (key.type === 'ssh-rsa') return 'RSA';
  return 'ECDSA';
}

/** `SHA256:` + unpadded base64 of SHA-256(blob): the fingerprint `ssh-keygen -l` prints. */
export function fingerprint(key: SshPublicKey): string {
  return 'SHA256:' + createHash('sha256').update(key.blob).digest('base64').replace(/=+$/, '');
}

/** True when both are the same public key (canonical blobs are equal). */
export function sameKey(a: SshPublicKey, b: SshPublicKey): boolean {
  return bytesEqual(a.blob, b.blob);
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
}

function fromB64url(s: string | undefined): Uint8Array {
  if (typeof s !== 'string') throw new InputError('key is missing a component');
  const b = Buffer.from(s, 'base64url');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function bitLength(magnitude: Uint8Array): number {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  if (i === magnitude.length) return 0;
  return (magnitude.length - i - 1) * 8 + (32 - Math.clz32(magnitude[i]));
}

function importJwk(jwk: Record<string, string>, what: string): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (e) {
    throw new InputError(`${what} is not a valid public key (${(e as Error).message})`, { cause: e });
  }
}

function ed25519Key(pk: Uint8Array): SshPublicKey {
  if (pk.length !== 32) throw new InputError(`ssh-ed25519 public key must be 32 bytes, not ${pk.length}`);
  const key = importJwk({ kty: 'OKP', crv: 'Ed25519', x: b64url(pk) }, 'ssh-ed25519 key');
  return { type: 'ssh-ed25519', blob: concat(encodeString('ssh-ed25519'), encodeString(pk)), key, bits: 256 };
}

function ecdsaKey(type: SshKeyType, curve: EcdsaCurve, q: Uint8Array): SshPublicKey {
  // Uncompressed point only, as OpenSSH writes and reads it.
  if (q.length !== 1 + 2 * curve.size || q[0] !== 0x04) throw new InputError(`${type} public point is not an uncompressed ${curve.jwkCurve} point`);
  const x = q.subarray(1, 1 + curve.size);
  const y = q.subarray(1 + curve.size);
  const key = importJwk({ kty: 'EC', crv: curve.jwkCurve, x: b64url(x), y: b64url(y) }, `${type} key`);
  const blob = concat(encodeString(type), encodeString(curve.sshName), encodeString(q));
  return { type, blob, key, bits: curve.bits };
}

function rsaKey(e: Uint8Array, n: Uint8Array): SshPublicKey {
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS) throw new InputError(`ssh-rsa key has ${bits} bits; at least ${RSA_MIN_BITS} are required`);
  if (bits > RSA_MAX_BITS) throw new InputError(`ssh-rsa key has ${bits} bits; at most ${RSA_MAX_BITS} are supported`);
  if (e.length === 0 || (e[e.length - 1] & 1) === 0) throw new InputError('ssh-rsa public exponent must be odd');
  const key = importJwk({ kty: 'RSA', n: b64url(n), e: b64url(e) }, 'ssh-rsa key');
  return { type: 'ssh-rsa', blob: concat(encodeString('ssh-rsa'), encodeMpint(e), encodeMpint(n)), key, bits };
}

/** Parses a public key wire blob. Throws InputError for malformed or unsupported keys. */
export function parsePublicKeyBlob(blob: Uint8Array): SshPublicKey {
  const r = reader(blob);
  const type = readText(r, 'key type', 64);
  let key: SshPublicKey;
  if (type === 'ssh-ed25519') {
    key = ed25519Key(readString(r, 'ssh-ed25519 key', 32));
  } else if (type === 'ssh-rsa') {
    const e = readMpint(r, 'RSA exponent', 64);
    const n = readMpint(r, 'RSA modulus', RSA_MAX_BITS / 8);
    key = rsaKey(e, n);
  } else {
    const curve = ecdsaCurve(type);
    if (!curve) {
      if (isKnownUnsupportedKeyType(type)) throw new InputError(`unsupported key type ${type}`);
      throw new InputError(`unknown key type ${JSON.stringify(type.slice(0, 64))}`);
    }
    const name = readText(r, 'curve name', 16);
    if (name !== curve.sshName) throw new InputError(`${type} key names curve ${JSON.stringify(name)}`);
    key = ecdsaKey(type as SshKeyType, curve, readString(r, 'ECDSA point', 1 + 2 * curve.size));
  }
  expectEnd(r, 'public key');
  return key;
}

/** A public key line: the key and its comment ('' if none). */
export interface PublicKeyLine {
  key: SshPublicKey;
  comment: string;
}

/**
 * Parses the one-line text form `<type> <base64 blob> [comment]` (a `.pub` file, an authorized_keys
 * entry without options). The type word must match the type inside the blob.
 */
export function parsePublicKeyText(text: string): PublicKeyLine {
  const line = text.replace(/\r?\n$/, '');
  if (line.length > 64 * 1024 || /[\r\n]/.test(line)) throw new InputError('public key must be one line of at most 64 KiB');
  const m = /^[ \t]*(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) throw new InputError('public key line must be "<type> <base64> [comment]"');
  const [, type, b64, comment = ''] = m;
  if (!isSupportedKeyType(type)) {
    if (isKnownUnsupportedKeyType(type)) throw new InputError(`unsupported key type ${type}`);
    throw new InputError(`unknown key type ${JSON.stringify(type.slice(0, 64))}`);
  }
  const key = parsePublicKeyBlob(decodeBase64Strict(b64, 'public key'));
  if (key.type !== type) throw new InputError(`public key line says ${type} but the key is ${key.type}`);
  return { key, comment: comment.trim() };
}

/** The one-line text form of a key, `<type> <base64>[ <comment>]`, as OpenSSH writes `.pub` files. */
export function formatPublicKey(key: SshPublicKey, comment = ''): string {
  const b64 = Buffer.from(key.blob).toString('base64');
  return comment ? `${key.type} ${b64} ${comment}` : `${key.type} ${b64}`;
}

/**
 * The SSH public key of a node:crypto key (public, or private from which the public half is derived).
 * Throws InputError for key kinds SSH signing here does not support.
 */
export function publicKeyFromKeyObject(k: KeyObject): SshPublicKey {
  const pub = k.type === 'private' ? createPublicKey(k) : k;
  const jwk = pub.export({ format: 'jwk' }) as Record<string, string | undefined>;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ed25519Key(fromB64url(jwk.x));
  if (jwk.kty === 'RSA') return rsaKey(fromB64url(jwk.e), fromB64url(jwk.n));
  if (jwk.kty === 'EC') {
    const type = (Object.keys(CURVES) as SshKeyType[]).find((t) => CURVES[t].jwkCurve === jwk.crv);
    if (type) {
      const curve = CURVES[type];
      const x = fromB64url(jwk.x);
      const y = fromB64url(jwk.y);
      return ecdsaKey(type, curve, concat(new Uint8Array([4]), x, y));
    }
  }
  throw new InputError(`unsupported key kind ${jwk.kty ?? '?'}${jwk.crv ? ' ' + jwk.crv : ''} (use ed25519, ecdsa or rsa)`);
}
