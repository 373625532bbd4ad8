import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createMultiDigest, digestBytes } from '../../src/digest/multi.ts';
import { nobleDigests, pythonDigests, tempDir, vectorData } from './oracle.ts';

const VECTORS = resolve(import.meta.dirname, '../../../shared/vectors/hash/hashes.json');

interface VectorFile {
  cases: { len: number; sha256: string; blake2b256: string; md5: string }[];
  blake2b_truncation_pitfall: { len: number; blake2b256: string; blake2b512_first_32_bytes_WRONG: string };
}

test('every case of the shared hash vectors (sha256, blake2b-256, md5, size)', async () => {
  const v = JSON.parse(readFileSync(VECTORS, 'utf8')) as VectorFile;
  assert.equal(v.cases.length, 309);
  for (const c of v.cases) {
    const d = await digestBytes(vectorData(c.len), { md5: true });
    assert.deepEqual(d, { size: c.len, sha256: c.sha256, blake2b_256: c.blake2b256, md5: c.md5 }, `len ${c.len}`);
  }
});

test('blake2b_256 is BLAKE2b with a 32-byte digest, not BLAKE2b-512 truncated', async () => {
  const v = JSON.parse(readFileSync(VECTORS, 'utf8')) as VectorFile;
  const d = await digestBytes(new Uint8Array(0));
  assert.equal(d.blake2b_256, v.blake2b_truncation_pitfall.blake2b256);
  assert.notEqual(d.blake2b_256, v.blake2b_truncation_pitfall.blake2b512_first_32_bytes_WRONG);
});

test('md5 is computed only when asked for', async () => {
  const d = await digestBytes(vectorData(3));
  assert.equal('md5' in d, false);
  const m = await digestBytes(vectorData(3), { md5: true });
  assert.equal(m.md5, 'c9aee4810523ef8658121b8d492c6b41');
});

test('random buffers agree with python3 hashlib and @noble/hashes', async () => {
  const { dir, cleanup } = tempDir('distsum-digest-');
  try {
    const sizes = [0, 1, 127, 128, 129, 4095, 65536, 65537, 100_003, 1 << 20, (1 << 20) + 1];
    const bufs = sizes.map((n) => randomBytes(n));
    const paths = bufs.map((b, i) => {
      const p = join(dir, `b${i}`);
      writeFileSync(p, b);
      return p;
    });
    const py = pythonDigests(paths);
    for (let i = 0; i < bufs.length; i++) {
      const d = await digestBytes(bufs[i], { md5: true });
      assert.deepEqual(d, py[i], `size ${sizes[i]}`);
      const n = nobleDigests(bufs[i]);
      assert.equal(d.sha256, n.sha256);
      assert.equal(d.blake2b_256, n.blake2b_256);
    }
  } finally {
    cleanup();
  }
});

test('property: any split of the input into chunks gives the same digests as one call', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.nat({ max: 3000 }), { maxLength: 12 }),
      fc.boolean(),
      async (data, cuts, md5) => {
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        const md = await createMultiDigest({ md5 });
        let prev = 0;
        for (const p of [...points, data.length]) {
          md.update(data.subarray(prev, p));
          prev = p;
        }
        const split = md.digest();
        const whole = await digestBytes(data, { md5 });
        assert.deepEqual(split, whole);
        const n = nobleDigests(data);
        assert.equal(split.sha256, n.sha256);
        assert.equal(split.blake2b_256, n.blake2b_256);
        assert.equal(split.size, data.length);
      },
    ),
    { numRuns: 200 },
  );
});

test('a chunk buffer may be reused right after update (bytes are consumed, not kept)', async () => {
  const data = randomBytes(10_000);
  const md = await createMultiDigest();
  const buf = Buffer.alloc(1000);
  for (let i = 0; i < 10; i++) {
    data.copy(buf, 0, i * 1000, i * 1000 + 1000);
    md.update(buf);
    buf.fill(0xee);
  }
  assert.deepEqual(md.digest(), await digestBytes(data));
});

test('a finished digest refuses further use', async () => {
  const md = await createMultiDigest();
  md.update(new Uint8Array([1, 2, 3]));
  md.digest();
  assert.throws(() => md.update(new Uint8Array([4])), /already finished/);
  assert.throws(() => md.digest(), /already finished/);
});
