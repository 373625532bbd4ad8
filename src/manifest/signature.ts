// Raw SSH signatures (the `string sig_algorithm || string sig_bytes` blob of RFC 4253 6.6): making them
// with a node:crypto private key and checking them with a public key, per algorithm:
//   ssh-ed25519          Ed25519 over the data (RFC 8709)
//   ecdsa-sha2-nistpN    ECDSA with SHA-256/384/512 by curve; sig_bytes = mpint r || mpint s (RFC 5656 3.1.2)
//   rsa-sha2-512 / -256  RSASSA-PKCS1-v1_5 (RFC 8332); distsum always signs with -512, like ssh-keygen -Y

import { sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { InputError } from '../errors.ts';
import { ecdsaCurve } from './keys.ts';
import type { SshPublicKey } from './keys.ts';
import { concat, encodeMpint, encodeString, expectEnd, fixedLength, readMpint, readString, readText, reader } from './wire.ts';

/** A private key that can sign locally. Invariant: `publicKey` is the public half of `privateKey`. */
export interface SshPrivateKey {
  readonly publicKey: SshPublicKey;
  readonly privateKey: KeyObject;
}

/** The signature algorithm distsum uses for a key type (RSA: rsa-sha2-512, as ssh-keygen -Y sign does). */
export function signatureAlgorithmFor(key: SshPublicKey): string {
  return key.type === 'ssh-rsa' ? 'rsa-sha2-512' : key.type;
}

/** A parsed SSH signature blob. */
export interface SshSignature {
  algorithm: string;
  bytes: Uint8Array;
}

/** Parses `string algorithm || string bytes` with nothing after it. Throws InputError. */
export function parseSignatureBlob(blob: Uint8Array): SshSignature {
  const r = reader(blob);
  const algorithm = readText(r, 'signature algorithm', 64);
  const bytes = readString(r, 'signature', 4096);
  expectEnd(r, 'signature');
  return { algorithm, bytes };
}

/** Encodes a signature blob. */
export function encodeSignatureBlob(sig: SshSignature): Uint8Array {
  return concat(encodeString(sig.algorithm), encodeString(sig.bytes));
}

/** Signs `data` with a local private key; returns the SSH signature blob. */
export function signRaw(key: SshPrivateKey, data: Uint8Array): Uint8Array {
  const pub = key.publicKey;
  if (pub.type === 'ssh-ed25519') {
    return encodeSignatureBlob({ algorithm: 'ssh-ed25519', bytes: cryptoSign(null, data, key.privateKey) });
  }
  if (pub.type === 'ssh-rsa') {
    return encodeSignatureBlob({ algorithm: 'rsa-sha2-512', bytes: cryptoSign('sha512', data, key.privateKey) });
  }
  const curve = ecdsaCurve(pub.type);
  if (!curve) throw new InputError(`cannot sign with key type ${pub.type}`);
  const rs = cryptoSign(curve.hash, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const inner = concat(encodeMpint(rs.subarray(0, curve.size)), encodeMpint(rs.subarray(curve.size)));
  return encodeSignatureBlob({ algorithm: pub.type, bytes: inner });
}

/**
 * Checks an SSH signature blob over `data` with `key`. Returns false when the signature does not match;
 * throws InputError when the blob is malformed or its algorithm does not fit the key (including RSA with
 * SHA-1, `ssh-rsa`, which OpenSSH refuses for SSHSIG).
 */
export function verifyRaw(key: SshPublicKey, sigBlob: Uint8Array, data: Uint8Array): boolean {
  const sig = parseSignatureBlob(sigBlob);
  if (key.type === 'ssh-ed25519') {
    if (sig.algorithm !== 'ssh-ed25519') throw new InputError(`signature algorithm ${sig.algorithm} does not fit an ssh-ed25519 key`);
    if (sig.bytes.length !== 64) throw new InputError(`ssh-ed25519 signature must be 64 bytes, not ${sig.bytes.length}`);
    return cryptoVerify(null, data, key.key, sig.bytes);
  }
  if (key.type === 'ssh-rsa') {
    const hash = sig.algorithm === 'rsa-sha2-512' ? 'sha512' : sig.algorithm === 'rsa-sha2-256' ? 'sha256' : undefined;
    if (!hash) throw new InputError(`RSA signature algorithm ${sig.algorithm} is not allowed (use rsa-sha2-512 or rsa-sha2-256)`);
    const modBytes = Math.ceil(key.bits / 8);
    // OpenSSH left-pads a short signature to the modulus length; OpenSSL insists on the exact length.
    if (sig.bytes.length > modBytes) throw new InputError('RSA signature is longer than the key modulus');
    const s = sig.bytes.length < modBytes ? fixedLength(sig.bytes, modBytes) : sig.bytes;
    return cryptoVerify(hash, data, key.key, s);
  }
  const curve = ecdsaCurve(key.type);
  if (!curve) throw new InputError(`cannot verify with key type ${key.type}`);
  if (sig.algorithm !== key.type) throw new InputError(`signature algorithm ${sig.algorithm} does not fit an ${key.type} key`);
  const r = reader(sig.bytes);
  const rr = readMpint(r, 'ECDSA r', curve.size + 1);
  const ss = readMpint(r, 'ECDSA s', curve.size + 1);
  expectEnd(r, 'ECDSA signature');
  // Out-of-range r or s can never verify; treat as a mismatch, not a parse error.
  if (rr.length === 0 || ss.length === 0 || rr.length > curve.size || ss.length > curve.size) return false;
  const p1363 = concat(fixedLength(rr, curve.size), fixedLength(ss, curve.size));
  return cryptoVerify(curve.hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, p1363);
}

/**
 * Something that signs with one SSH key: a local private key or a key held by ssh-agent. `sign` returns
 * the SSH signature blob for `data` (RSA keys: rsa-sha2-512).
 */
export interface SshSigner {
  readonly publicKey: SshPublicKey;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A signer over a local private key. */
export function localSigner(key: SshPrivateKey): SshSigner {
  return { publicKey: key.publicKey, sign: async (data) => signRaw(key, data) };
}
