// The multipart body: byte-identical to what twine's encoder (requests_toolbelt's MultipartEncoder on
// urllib3) writes for the same parts and boundary, streamed from disk with the declared length, and
// parsed back to the same parts by the stand-in index's streaming parser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildMultipart, multipartProducer, newBoundary, quoteParam, FileChangedError, READ_CHUNK, type FormPart, type MultipartBody } from '../../src/upload/multipart.ts';
import { parseMultipart } from '../support/index-server.ts';

// Debian's python3 with requests_toolbelt (a twine dependency) encodes each case.
const PY = `
import sys, json
from requests_toolbelt import MultipartEncoder
out = []
for case in json.load(sys.stdin):
    fields = []
    for p in case['parts']:
        if 'filename' in p:
            fields.append((p['name'], (p['filename'], bytes.fromhex(p['hex']))))
        else:
            fields.append((p['name'], p['value']))
    f = case['file']
    fields.append((f['name'], (f['filename'], open(f['path'], 'rb'), f['type'])))
    out.append(MultipartEncoder(fields, boundary=case['boundary']).to_string().hex())
json.dump(out, sys.stdout)
`;

/** The whole body, copying each chunk (the producer reuses its buffers once a write resolves). */
async function collect(body: MultipartBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await multipartProducer(body)(async (c) => {
    chunks.push(Buffer.from(c));
  });
  return Buffer.concat(chunks);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'distsum-multipart-'));
}

const nameChar = fc.constantFrom(...'abcxyz_:.-0189 "\\\u001b\u0001\r\né'.split(''));
const partArb: fc.Arbitrary<FormPart> = fc.oneof(
  fc.record({ name: fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }), value: fc.string({ maxLength: 40 }) }),
  fc.record({
    name: fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }),
    filename: fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }),
    data: fc.uint8Array({ maxLength: 40 }),
  }),
);

test('bodies are byte-identical to requests_toolbelt for the same parts and boundary', async () => {
  const dir = tmp();
  try {
    const cases = fc.sample(fc.tuple(fc.array(partArb, { maxLength: 8 }), fc.uint8Array({ maxLength: 300 }), fc.string({ unit: nameChar, minLength: 1, maxLength: 10 })), {
      numRuns: 60,
      seed: 20260101,
    });
    const bodies: Buffer[] = [];
    const input: unknown[] = [];
    for (const [i, [parts, content, filename]] of cases.entries()) {
      const path = join(dir, `f${i}`);
      writeFileSync(path, content);
      const boundary = newBoundary(() => new Uint8Array(16).fill(i));
      const body = buildMultipart(boundary, parts, { name: 'content', filename, contentType: 'application/octet-stream', path, size: content.length });
      const bytes = await collect(body);
      assert.equal(bytes.length, body.length, 'declared length');
      bodies.push(bytes);
      input.push({
        boundary,
        parts: parts.map((p) => ('value' in p ? { name: p.name, value: p.value } : { name: p.name, filename: p.filename, hex: Buffer.from(p.data).toString('hex') })),
        file: { name: 'content', filename, path, type: 'application/octet-stream' },
      });
    }
    const r = spawnSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const expected: string[] = JSON.parse(r.stdout);
    expected.forEach((hex, i) => assert.equal(bodies[i].toString('hex'), hex, `case ${i}: ${JSON.stringify(input[i])}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('header parameters are quoted as urllib3 does', () => {
  assert.equal(quoteParam('a"b'), 'a%22b');
  assert.equal(quoteParam('a\\b'), 'a\\\\b');
  assert.equal(quoteParam('a\r\nb\u001bc'), 'a%0D%0Ab\u001bc');
  assert.equal(quoteParam('été'), 'été');
});

test('round trip through the stand-in index parser, split into chunks at every size', async () => {
  const dir = tmp();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: fc.string({ unit: fc.constantFrom('a', 'b', '_', ':'), minLength: 1, maxLength: 6 }), value: fc.string({ maxLength: 30 }) }), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.integer({ min: 1, max: 97 }),
        async (fields, content, chunk) => {
          const path = join(dir, 'content.bin');
          writeFileSync(path, content);
          const body = buildMultipart('b0undary', fields, { name: 'content', filename: 'x.whl', contentType: 'application/octet-stream', path, size: content.length });
          const bytes = await collect(body);
          async function* pieces() {
            for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
          }
          let n = 0;
          const form = await parseMultipart(pieces(), 'b0undary', dir, () => `p${n++}`, 1 << 20);
          assert.deepEqual(form.fields, fields.map((f) => [f.name, f.value]));
          assert.equal(form.files.length, 1);
          assert.deepEqual(readFileSync(form.files[0].path), Buffer.from(content));
          assert.equal(form.files[0].filename, 'x.whl');
          assert.equal(form.files[0].contentType, 'application/octet-stream');
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the file is sent in bounded chunks from two reused buffers, each refilled only after its write finished', async () => {
  const dir = tmp();
  try {
    const path = join(dir, 'big.bin');
    const size = 5 * READ_CHUNK + 123;
    writeFileSync(path, Buffer.alloc(size, 7));
    const body = buildMultipart('bb', [], { name: 'content', filename: 'big.whl', contentType: 'application/octet-stream', path, size });
    let largest = 0;
    let total = 0;
    let reported = 0;
    const fileBuffers = new Set<ArrayBufferLike>();
    const pending = new Set<ArrayBufferLike>();
    await multipartProducer(body, (n) => (reported += n))(async (c) => {
      largest = Math.max(largest, c.length);
      total += c.length;
      if (c.length >= 1000) {
        assert.ok(!pending.has(c.buffer), 'a buffer was refilled while still being written');
        fileBuffers.add(c.buffer);
        pending.add(c.buffer);
        await new Promise((r) => setTimeout(r, 5));
        pending.delete(c.buffer);
      }
    });
    assert.equal(total, body.length);
    assert.equal(reported, body.length, 'progress counts every byte');
    assert.ok(largest <= READ_CHUNK, `chunk of ${largest} bytes`);
    assert.equal(fileBuffers.size, 2, 'two buffers, reused');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that changed size after hashing fails the stream instead of sending a wrong body', async () => {
  const dir = tmp();
  try {
    const path = join(dir, 'f.whl');
    writeFileSync(path, 'abc');
    const body = buildMultipart('bb', [], { name: 'content', filename: 'f.whl', contentType: 'application/octet-stream', path, size: 3 });
    appendFileSync(path, 'more');
    await assert.rejects(collect(body), FileChangedError);
    writeFileSync(path, 'a');
    await assert.rejects(collect(body), FileChangedError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a boundary inside a form value or an invalid boundary is refused', () => {
  const file = { name: 'content', filename: 'f.whl', contentType: 'application/octet-stream', path: '/dev/null', size: 0 };
  assert.throws(() => buildMultipart('xyz', [{ name: 'a', value: 'before --xyz after' }], file), /boundary/);
  assert.throws(() => buildMultipart('has space', [], file), /boundary/);
  assert.match(newBoundary((n) => new Uint8Array(n).fill(255)), /^f{32}$/);
});
