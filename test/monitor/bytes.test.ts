import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bytesDisagree, fetchDigests, inSample } from '../../src/monitor/bytes.ts';
import { createIndexClient } from '../../src/index/client.ts';
import { IndexTooLargeError } from '../../src/index/errors.ts';
import { startIndexServer } from '../support/index-server.ts';

const WHEEL = join(import.meta.dirname, '../../../shared/fixtures/dists/setuptools-67.6.1-py3-none-any.whl');

test('the verification sample is a stable fraction of file names', () => {
  const names = Array.from({ length: 4000 }, (_, i) => `demo-${i}.tar.gz`);
  const picked = names.filter((n) => inSample(n, 0.1)).length;
  assert.ok(picked > 300 && picked < 500, `${picked} of 4000`);
  assert.deepEqual(names.filter((n) => inSample(n, 0.1)), names.filter((n) => inSample(n, 0.1)));
  assert.ok(names.every((n) => inSample(n, 1) && !inSample(n, 0)));
  // A smaller rate samples a subset of a larger one.
  assert.ok(names.filter((n) => inSample(n, 0.05)).every((n) => inSample(n, 0.2)));
});

test('a downloaded file hashes like python3 hashlib; more bytes than claimed stop the download', async (t) => {
  const idx = await startIndexServer();
  t.after(() => idx.close());
  const stored = await idx.addFile({ path: WHEEL, project: 'setuptools', version: '67.6.1' });
  const client = createIndexClient({ indexUrl: `${idx.origin}/simple/`, version: '0.0.0' });
  const d = await fetchDigests(client, `${idx.origin}${stored.urlPath}`);
  const py = execFileSync('python3', ['-c', 'import hashlib,sys\nb=open(sys.argv[1],"rb").read()\nprint(len(b), hashlib.sha256(b).hexdigest(), hashlib.blake2b(b, digest_size=32).hexdigest())', WHEEL], { encoding: 'utf8' }).trim().split(' ');
  assert.deepEqual(d, { size: Number(py[0]), sha256: py[1], blake2b_256: py[2] });
  await assert.rejects(fetchDigests(client, `${idx.origin}${stored.urlPath}`, 100), IndexTooLargeError);
});

test('bytes disagree only where the claim gives a value', () => {
  const bytes = { size: 3, sha256: 'a'.repeat(64), blake2b_256: 'b'.repeat(64) };
  assert.equal(bytesDisagree({}, bytes), false);
  assert.equal(bytesDisagree({ size: 3, sha256: 'a'.repeat(64) }, bytes), false);
  assert.equal(bytesDisagree({ size: 4 }, bytes), true);
  assert.equal(bytesDisagree({ sha256: 'c'.repeat(64) }, bytes), true);
  assert.equal(bytesDisagree({ blake2b_256: 'c'.repeat(64) }, bytes), true);
});
