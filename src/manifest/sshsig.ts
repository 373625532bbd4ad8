// OpenSSH SSHSIG signatures (PROTOCOL.sshsig), byte-compatible with `ssh-keygen -Y sign/verify`:
//
//   armor   "-----BEGIN SSH SIGNATURE-----\n" base64(blob) in 70-column lines "-----END SSH SIGNATURE-----\n"
//   blob    "SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved)
//           string(hash_algorithm) string(signature)
//   signed  "SSHSIG" string(namespace) string(reserved = "") string(hash_algorithm) string(H(message))
//
// Parsing is strict and bounded; every malformed input is a CheckError (a signature that cannot be read
// is a failed check) whose message names the signature.

import { createHash } from 'node:crypto';
import { CheckError, InputError } from '../errors.ts';
import { parsePublicKeyBlob } from './keys.ts';
import type { SshPublicKey } from './keys.ts';
import { signRaw, verifyRaw } from './signature.ts';
import type { SshPrivateKey, SshSigner } from './signature.ts';
import { concat, decodeBase64Strict, encodeString, encodeUint32, expectEnd, readBytes, readString, readText, readUint32, reader } from './wire.ts';

/** The hash algorithms SSHSIG allows (OpenSSH HASHALG_ALLOWED). */
export type SshsigHashAlg = 'sha256' | 'sha512';

/** The namespace distsum signs release manifests in. */
export const DISTSUM_NAMESPACE = 'distsum';

const MAGIC = new TextEncoder().encode('SSHSIG');
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';
/** Largest armored signature we read: an RSA-16384 signature is under 5 KiB of armor. */
export const MAX_SSHSIG_TEXT = 64 * 1024;

/**
 * A parsed SSHSIG blob. Invariant: `publicKey` parsed and supported, `hashAlg` allowed, `version` 1;
 * `signature` is the raw SSH signature blob (not yet checked against anything).
 */
export interface Sshsig {
  readonly version: 1;
  readonly publicKey: SshPublicKey;
  readonly namespace: string;
  /** Carried but ignored, as by OpenSSH: the signed data always uses an empty reserved field. */
  readonly reserved: Uint8Array;
  readonly hashAlg: SshsigHashAlg;
  readonly signature: Uint8Array;
}

function malformed(label: string, reason: string, cause?: unknown): CheckError {
  return new CheckError(`${label} is not a valid SSH signature: ${reason}`, cause ? { cause } : undefined);
}

/** Armors a blob exactly like ssh-keygen: header line, base64 in lines of 70, footer line, final newline. */
export function armorSshsig(blob: Uint8Array): string {
  const b64 = Buffer.from(blob).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/**
 * Extracts the blob from armored text. Accepts LF or CRLF line ends and any whitespace inside the base64
 * body (as ssh-keygen does); refuses missing header/footer, text after the footer, non-base64 content and
 * texts over MAX_SSHSIG_TEXT. Throws CheckError naming `label`.
 */
export function dearmorSshsig(text: string, label = 'signature'): Uint8Array {
  if (text.length > MAX_SSHSIG_TEXT) throw malformed(label, `longer than ${MAX_SSHSIG_TEXT} bytes`);
  if (!text.startsWith(BEGIN + '\n') && !text.startsWith(BEGIN + '\r\n')) {
    throw malformed(label, `does not start with a "${BEGIN}" line`);
  }
  const endAt = text.indexOf('\n' + END, BEGIN.length);
  if (endAt < 0) throw malformed(label, `missing "${END}" line`);
  const after = text.slice(endAt + 1 + END.length);
  if (!/^[ \t\r\n]*$/.test(after)) throw malformed(label, `unexpected text after "${END}"`);
  const body = text.slice(BEGIN.length, endAt).replace(/[ \t\r\n]+/g, '');
  if (body.length === 0) throw malformed(label, 'empty body');
  try {
    return decodeBase64Strict(body, 'body');
  } catch (e) {
    throw malformed(label, (e as Error).message, e);
  }
}

function isHashAlg(s: string): s is SshsigHashAlg {
  return s === 'sha256' || s === 'sha512';
}

/** Parses an SSHSIG blob strictly (magic, version 1, supported key, allowed hash, no trailing data). */
export function parseSshsigBlob(blob: Uint8Array, label = 'signature'): Sshsig {
  try {
    const r = reader(blob);
    const magic = readBytes(r, MAGIC.length, 'magic');
    if (!magic.every((b, i) => b === MAGIC[i])) throw new InputError('missing SSHSIG magic');
    const version = readUint32(r, 'version');
    if (version !== 1) throw new InputError(`unsupported version ${version} (only 1 is defined)`);
    const publicKey = parsePublicKeyBlob(readString(r, 'public key', 8192));
    const namespace = readText(r, 'namespace', 1024);
    const reserved = readString(r, 'reserved field', 1024);
    const hashAlg = readText(r, 'hash algorithm', 64);
    if (!isHashAlg(hashAlg)) throw new InputError(`unsupported hash algorithm ${JSON.stringify(hashAlg)} (sha256 or sha512)`);
    const signature = readString(r, 'signature', 8192);
    expectEnd(r, 'signature blob');
    return { version: 1, publicKey, namespace, reserved, hashAlg, signature };
  } catch (e) {
    if (e instanceof InputError) throw malformed(label, e.message, e);
    throw e;
  }
}

/** Parses armored SSHSIG text. Throws CheckError naming `label` for anything malformed. */
export function parseSshsig(text: string, label = 'signature'): Sshsig {
  return parseSshsigBlob(dearmorSshsig(text, label), label);
}

/** Encodes an SSHSIG blob (inverse of parseSshsigBlob). */
export function encodeSshsigBlob(sig: Sshsig): Uint8Array {
  return concat(
    MAGIC,
    encodeUint32(sig.version),
    encodeString(sig.publicKey.blob),
    encodeString(sig.namespace),
    encodeString(sig.reserved),
    encodeString(sig.hashAlg),
    encodeString(sig.signature),
  );
}

/** The bytes an SSHSIG signature is made over for `message` (reserved always empty, like OpenSSH). */
export function sshsigSignedData(namespace: string, hashAlg: SshsigHashAlg, message: Uint8Array): Uint8Array {
  const h = createHash(hashAlg).update(message).digest();
  return concat(MAGIC, encodeString(namespace), encodeString(new Uint8Array(0)), encodeString(hashAlg), encodeString(h));
}

function checkSignArgs(namespace: string, hashAlg: string): asserts hashAlg is SshsigHashAlg {
  // Same rules the parser applies, so whatever we sign we can also read back.
  if (namespace.length === 0 || namespace.includes('\0') || Buffer.byteLength(namespace) > 1024) {
    throw new InputError(`invalid signature namespace ${JSON.stringify(namespace.slice(0, 64))}: must be 1-1024 bytes without NUL`);
  }
  if (!isHashAlg(hashAlg)) throw new InputError(`unsupported hash algorithm ${JSON.stringify(hashAlg)} (sha256 or sha512)`);
}

/**
 * Signs `message` with a local private key; returns the armored signature, laid out byte for byte as
 * `ssh-keygen -Y sign -n <namespace>` writes it (Ed25519 signatures are deterministic, so they are
 * identical to ssh-keygen's).
 */
export function signSshsig(
  message: Uint8Array,
  key: SshPrivateKey,
  namespace: string = DISTSUM_NAMESPACE,
  hashAlg: SshsigHashAlg = 'sha512',
): string {
  checkSignArgs(namespace, hashAlg);
  const signed = sshsigSignedData(namespace, hashAlg, message);
  return assemble(key.publicKey, namespace, hashAlg, signRaw(key, signed), signed, 'the private key');
}

function assemble(
  publicKey: SshPublicKey,
  namespace: string,
  hashAlg: SshsigHashAlg,
  signature: Uint8Array,
  signed: Uint8Array,
  who: string,
): string {
  // Check before handing out: an agent may answer with another key's signature or an algorithm
  // (ssh-rsa/SHA-1) that verifiers refuse.
  let ok: boolean;
  try {
    ok = verifyRaw(publicKey, signature, signed);
  } catch (e) {
    throw new CheckError(`${who} returned an unusable signature: ${(e as Error).message}`, { cause: e });
  }
  if (!ok) throw new CheckError(`${who} returned a signature that does not verify with its public key`);
  return armorSshsig(encodeSshsigBlob({ version: 1, publicKey, namespace, reserved: new Uint8Array(0), hashAlg, signature }));
}

/** Like signSshsig, with any signer (a local key or ssh-agent); the result is checked before it is returned. */
export async function signSshsigWith(
  message: Uint8Array,
  signer: SshSigner,
  namespace: string = DISTSUM_NAMESPACE,
  hashAlg: SshsigHashAlg = 'sha512',
  who = 'the signer',
): Promise<string> {
  checkSignArgs(namespace, hashAlg);
  const signed = sshsigSignedData(namespace, hashAlg, message);
  const signature = await signer.sign(signed);
  return assemble(signer.publicKey, namespace, hashAlg, signature, signed, who);
}
