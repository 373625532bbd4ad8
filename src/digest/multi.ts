// Incremental digests of one byte stream: sha256 and BLAKE2b-256 always, md5 on request.
// BLAKE2b-256 is BLAKE2b with a 32-byte digest length in its parameter block (what PyPI and
// twine call blake2b_256); it is not BLAKE2b-512 cut short, so node:crypto cannot supply it.

import { createHash } from 'node:crypto';

/** The digests of one byte sequence. Hex is lowercase; `size` is the byte count. */
export interface Digests {
  size: number;
  sha256: string;
  blake2b_256: string;
  /** Present exactly when md5 was asked for. */
  md5?: string;
}

/** Which optional digests to compute besides sha256 and BLAKE2b-256. */
export interface DigestOptions {
  md5?: boolean;
}

/** An incremental digest: feed chunks in order, then read the result once. */
export interface MultiDigest {
  /** Hashes `chunk`. The bytes are consumed before it returns, so the caller may reuse the buffer. */
  update(chunk: Uint8Array): void;
  /** Finishes every digest. Calling `update` or `digest` after this throws. */
  digest(): Digests;
}

/**
 * Creates an incremental digest whose result equals `digestBytes` of the concatenation of all
 * chunks, however the input was split. Async only because the BLAKE2b code is WebAssembly.
 */
export async function createMultiDigest(opts: DigestOptions = {}): Promise<MultiDigest> {
  // Loaded on first use: the WASM module costs start-up time that commands hashing in workers never need.
  const { createBLAKE2b } = await import('./blake2b.ts');
  const blake = await createBLAKE2b(256);
  blake.init();
  const sha = createHash('sha256');
  const md5 = opts.md5 ? createHash('md5') : undefined;
  let size = 0;
  let done = false;
  return {
    update(chunk) {
      if (done) throw new Error('digest already finished');
      sha.update(chunk);
      blake.update(chunk);
      md5?.update(chunk);
      size += chunk.byteLength;
    },
    digest() {
      if (done) throw new Error('digest already finished');
      done = true;
      const out: Digests = { size, sha256: sha.digest('hex'), blake2b_256: blake.digest('hex') };
      if (md5) out.md5 = md5.digest('hex');
      return out;
    },
  };
}

/** Digests of `data` in one call. */
export async function digestBytes(data: Uint8Array, opts: DigestOptions = {}): Promise<Digests> {
  const d = await createMultiDigest(opts);
  d.update(data);
  return d.digest();
}
