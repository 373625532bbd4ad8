// C2SP tlog-cosignature, Ed25519 form (signature type 0x04): a witness's timestamped signature over
// "cosignature/v1\ntime <t>\n" + checkpoint text. Cosigners and their verifiers plug into signNote and
// openNote through the ordinary Signer/Verifier interfaces; the key strings mirror the note ones.

import { randomBytes } from 'node:crypto';
import {
  ALG_ED25519,
  decodeBase64Strict,
  ed25519PrivateKey,
  ed25519PublicFromSeed,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  encodeBase64,
  isValidKeyName,
  keyId,
  newVerifier,
  parseKeyParts,
  parseSignerKeyParts,
} from './note.ts';
import type { NoteSig, Signer, Verifier } from './note.ts';
import { CosignatureError, KeyFormatError } from './errors.ts';

/** Signature type byte of timestamped Ed25519 cosignatures (cosignature/v1). */
export const ALG_COSIGNATURE_V1 = 0x04;

/** Bytes in a cosignature after the key ID: u64 big-endian timestamp || 64-byte Ed25519 signature. */
export const COSIGNATURE_SIZE = 8 + 64;

const encoder = new TextEncoder();
const MAX_TIMESTAMP = (1n << 63n) - 1n;

/**
 * The message an Ed25519 cosigner signs: "cosignature/v1\ntime <timestamp>\n" followed by the whole
 * checkpoint note text (with its final newline). `timestamp` is POSIX seconds, 0..2^63-1.
 */
export function cosignedMessage(text: Uint8Array, timestamp: bigint): Uint8Array {
  if (timestamp < 0n || timestamp > MAX_TIMESTAMP) throw new CosignatureError('tlog: cosignature timestamp out of range');
  const head = encoder.encode(`cosignature/v1\ntime ${timestamp.toString()}\n`);
  const out = new Uint8Array(head.length + text.length);
  out.set(head);
  out.set(text, head.length);
  return out;
}

function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/**
 * A fresh cosigner key pair for `name`: signer 'PRIVATE+KEY+<name>+<id>+<base64(0x04||seed)>' and
 * verifier (witness key) '<name>+<id>+<base64(0x04||pubkey)>', with key ID
 * SHA-256(name || "\n" || 0x04 || pubkey)[:4]. `seed` (32 bytes) makes it deterministic.
 */
export function generateCosignerKey(name: string, seed?: Uint8Array): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new KeyFormatError(`tlog: invalid key name ${JSON.stringify(name)}: must be non-empty without spaces or +`);
  const s = seed ?? new Uint8Array(randomBytes(32));
  if (s.length !== 32) throw new KeyFormatError('tlog: an Ed25519 seed must be 32 bytes');
  const pub = new Uint8Array([ALG_COSIGNATURE_V1, ...ed25519PublicFromSeed(s)]);
  const id = hex8(keyId(name, pub));
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${encodeBase64(new Uint8Array([ALG_COSIGNATURE_V1, ...s]))}`,
    verifierKey: `${name}+${id}+${encodeBase64(pub)}`,
  };
}

/**
 * A Signer producing cosignature/v1 signatures (timestamp || Ed25519 signature) for a cosigner
 * signer key. `now` returns the current POSIX time in whole seconds (injected for tests).
 * Throws KeyFormatError for a malformed key, another type, or a wrong key ID.
 */
export function newCosigner(signerKey: string, now: () => number): Signer {
  const k = parseSignerKeyParts(signerKey);
  if (k.alg !== ALG_COSIGNATURE_V1 || k.key.length !== 32) {
    throw new KeyFormatError(`tlog: signer key ${k.name} is not an Ed25519 cosignature key`);
  }
  const pub = new Uint8Array([ALG_COSIGNATURE_V1, ...ed25519PublicFromSeed(k.key)]);
  if (keyId(k.name, pub) !== k.keyId) throw new KeyFormatError(`tlog: signer key ${k.name} has the wrong key ID`);
  const priv = ed25519PrivateKey(k.key);
  return {
    name: k.name,
    keyId: k.keyId,
    sign(msg) {
      const t = now();
      if (!Number.isSafeInteger(t) || t < 0) throw new CosignatureError(`tlog: clock returned an invalid time ${String(t)}`);
      const sig = ed25519Sign(priv, cosignedMessage(msg, BigInt(t)));
      const out = new Uint8Array(COSIGNATURE_SIZE);
      new DataView(out.buffer).setBigUint64(0, BigInt(t));
      out.set(sig, 8);
      return out;
    },
  };
}

/**
 * A Verifier for a witness key '<name>+<id>+<base64(0x04||pubkey)>': verify(text, sig) accepts a
 * 72-byte timestamped signature whose Ed25519 part signs cosignedMessage(text, timestamp).
 * Throws KeyFormatError for a malformed key, another type, or a wrong key ID.
 */
export function newCosignatureVerifier(verifierKey: string): Verifier {
  const k = parseKeyParts(verifierKey, 'witness key');
  if (k.alg !== ALG_COSIGNATURE_V1 || k.key.length !== 32) {
    throw new KeyFormatError(`tlog: witness key ${k.name} is not an Ed25519 cosignature key`);
  }
  if (keyId(k.name, new Uint8Array([ALG_COSIGNATURE_V1, ...k.key])) !== k.keyId) {
    throw new KeyFormatError(`tlog: witness key ${k.name}+${hex8(k.keyId)} has the wrong key ID`);
  }
  const pub = ed25519PublicKey(k.key);
  return {
    name: k.name,
    keyId: k.keyId,
    verify(msg, sig) {
      if (sig.length !== COSIGNATURE_SIZE) return false;
      const t = new DataView(sig.buffer, sig.byteOffset, sig.length).getBigUint64(0);
      if (t > MAX_TIMESTAMP) return false;
      return ed25519Verify(pub, cosignedMessage(msg, t), sig.subarray(8));
    },
  };
}

/**
 * A Verifier for either kind of verifier key string: plain Ed25519 note keys (type 0x01) and
 * Ed25519 cosignature keys (type 0x04). Throws KeyFormatError for anything else.
 */
export function verifierFromKey(verifierKey: string): Verifier {
  const k = parseKeyParts(verifierKey, 'verifier key');
  if (k.alg === ALG_ED25519) return newVerifier(verifierKey);
  if (k.alg === ALG_COSIGNATURE_V1) return newCosignatureVerifier(verifierKey);
  throw new KeyFormatError(`tlog: verifier key ${k.name} has unsupported signature type 0x${k.alg.toString(16).padStart(2, '0')}`);
}

/**
 * The timestamp (POSIX seconds) of a cosignature line as returned by openNote. Only meaningful for
 * signatures that a cosignature verifier accepted. Throws CosignatureError when the line is not a
 * cosignature or the time does not fit a JS number exactly.
 */
export function cosignatureTimestamp(sig: NoteSig): number {
  const raw = decodeBase64Strict(sig.base64);
  if (raw === undefined || raw.length !== 4 + COSIGNATURE_SIZE) {
    throw new CosignatureError(`tlog: signature by ${sig.name} is not a cosignature`);
  }
  const t = new DataView(raw.buffer, raw.byteOffset, raw.length).getBigUint64(4);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new CosignatureError(`tlog: cosignature time by ${sig.name} is out of range`);
  return Number(t);
}
