// Streaming multi-digest: sha256 + BLAKE2b-256 (+ md5 where asked) of bytes, a file, many files.

export { createMultiDigest, digestBytes, type Digests, type DigestOptions, type MultiDigest } from './multi.ts';
export { digestFile, type DigestFileOptions } from './file.ts';
export { digestFiles, type DigestFilesOptions } from './files.ts';
