// Sorting command-line files as twine does: distributions (wheels first), .asc signatures, and
// <dist>.<kind>.attestation files matched to their distribution.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { splitInputs, attestationsFor, attestationsField, isAttestationName, MAX_ATTESTATIONS_PER_FILE } from '../../src/upload/inputs.ts';
import { InputError, UsageError } from '../../src/errors.ts';

test("twine's split: dists (wheels first), signatures by base name, attestations", () => {
  const s = splitInputs([
    'dist/pkg-1.0.tar.gz',
    'dist/pkg-1.0-py3-none-any.whl',
    'dist/pkg-1.0-py3-none-any.whl.asc',
    'dist/pkg-1.0-py3-none-any.whl.publish.attestation',
    'dist/pkg-1.0.tar.gz.build.attestation',
    'dist/pkg-1.0-py3-none-any.whl',
  ]);
  assert.deepEqual(s.dists, ['dist/pkg-1.0-py3-none-any.whl', 'dist/pkg-1.0.tar.gz']);
  assert.deepEqual([...s.signatures], [['pkg-1.0-py3-none-any.whl.asc', 'dist/pkg-1.0-py3-none-any.whl.asc']]);
  assert.deepEqual(s.attestations, ['dist/pkg-1.0-py3-none-any.whl.publish.attestation', 'dist/pkg-1.0.tar.gz.build.attestation']);
  assert.throws(() => splitInputs(['a/x.whl.asc', 'b/x.whl.asc']), UsageError);
});

test('attestations belong to the distribution whose full file name they extend (a name boundary is required)', () => {
  const named = ['dist/pkg-1.0.tar.gz.build.attestation', 'dist/pkg-1.0.tar.gz2.build.attestation', 'dist/pkg-1.0.tar.gz.attestation', 'dist/pkg-1.0.tar.attestation'];
  // twine: the name matches *.*.attestation and starts with "<dist file name>.".
  assert.deepEqual(attestationsFor('dist/pkg-1.0.tar.gz', named, []), ['dist/pkg-1.0.tar.gz.attestation', 'dist/pkg-1.0.tar.gz.build.attestation']);
  // Found beside the distribution too, once even if also named.
  assert.deepEqual(attestationsFor('dist/pkg-1.0.tar.gz', named, ['pkg-1.0.tar.gz.build.attestation', 'pkg-1.0.tar.gz.publish.attestation', 'other']), [
    'dist/pkg-1.0.tar.gz.attestation',
    'dist/pkg-1.0.tar.gz.build.attestation',
    'dist/pkg-1.0.tar.gz.publish.attestation',
  ]);
  assert.equal(isAttestationName('x.attestation'), false);
  assert.equal(isAttestationName('x.whl.publish.attestation'), true);
});

test('the attestations field is the JSON list of the parsed documents; bad files are input errors naming them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-att-'));
  try {
    const a = join(dir, 'a.whl.publish.attestation');
    const b = join(dir, 'a.whl.build.attestation');
    writeFileSync(a, '{"version": 1, "envelope": {"signature": "c2ln"}}');
    writeFileSync(b, ' {"version":1} ');
    const read = async (p: string) => (await import('node:fs/promises')).readFile(p);
    assert.deepEqual(JSON.parse(await attestationsField([a, b], read)), [{ version: 1, envelope: { signature: 'c2ln' } }, { version: 1 }]);
    writeFileSync(b, 'not json');
    await assert.rejects(attestationsField([b], read), (e: unknown) => e instanceof InputError && e.message.includes(b));
    writeFileSync(b, '[1,2]');
    await assert.rejects(attestationsField([b], read), /JSON object/);
    await assert.rejects(attestationsField(Array(MAX_ATTESTATIONS_PER_FILE + 1).fill(a), read), InputError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('property: every input lands in exactly one group (dists deduplicated)', () => {
  const name = fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom('.whl', '.tar.gz', '.whl.asc', '.tar.gz.asc', '.whl.x.attestation', '.zip'));
  fc.assert(
    fc.property(fc.uniqueArray(name.map(([d, e]) => `dist/${d}-1.0${e}`), { maxLength: 12 }), (paths) => {
      const s = splitInputs(paths);
      assert.equal(s.dists.length + s.signatures.size + s.attestations.length, paths.length);
      const wheelIdx = s.dists.map((d) => d.endsWith('.whl'));
      assert.deepEqual(wheelIdx, [...wheelIdx].sort((x, y) => Number(y) - Number(x)), 'wheels first');
    }),
  );
});

test('property: any attestation bytes give the field or an InputError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.json(), fc.string(), fc.uint8Array({ maxLength: 50 }).map((b) => Buffer.from(b).toString('latin1'))), async (text) => {
      try {
        const field = await attestationsField(['a.whl.x.attestation'], async () => Buffer.from(text));
        assert.equal(JSON.parse(field).length, 1);
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
      }
    }),
    { numRuns: 300 },
  );
});
