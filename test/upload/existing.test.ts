// Is the file the index says it already has ours? Its JSON API decides; every failure is "unknown".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { jsonApiBase, compareWithIndex } from '../../src/upload/existing.ts';
import { sendRequest } from '../../src/upload/http.ts';
import { startIndexServer } from '../support/index-server.ts';
import { SHARED } from '../support/cli.ts';

const WHEEL = join(SHARED, 'fixtures/dists/wheel-0.40.0-py3-none-any.whl');
const SHA = 'd236b20e7cb522daf2390fa84c55eea81c5c30190f90f29ae2ca1ad8355bf247';

test('the JSON API of PyPI and TestPyPI is on their web hosts; elsewhere on the upload host', () => {
  assert.equal(jsonApiBase(new URL('https://upload.pypi.org/legacy/')).toString(), 'https://pypi.org/');
  assert.equal(jsonApiBase(new URL('https://test.pypi.org/legacy/')).toString(), 'https://test.pypi.org/');
  assert.equal(jsonApiBase(new URL('https://pypi.corp.example:8443/uploads/legacy/')).toString(), 'https://pypi.corp.example:8443/');
});

test('identical, different, or unknown (not listed, no such project, no JSON API, unreachable)', async () => {
  const index = await startIndexServer();
  try {
    await index.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
    const url = new URL(index.uploadUrl);
    const file = { project: 'wheel', version: '0.40.0', filename: 'wheel-0.40.0-py3-none-any.whl', sha256: SHA };
    assert.deepEqual(await compareWithIndex(sendRequest, url, file), { kind: 'identical' });
    assert.deepEqual(await compareWithIndex(sendRequest, url, { ...file, sha256: 'f'.repeat(64) }), { kind: 'different', sha256: SHA });
    const notListed = await compareWithIndex(sendRequest, url, { ...file, filename: 'wheel-0.40.0.tar.gz' });
    assert.equal(notListed.kind, 'unknown');
    const noProject = await compareWithIndex(sendRequest, url, { ...file, project: 'nope' });
    assert.ok(noProject.kind === 'unknown' && /404/.test(noProject.why));
    const fake = async () => ({ status: 200, reason: 'OK', headers: {}, body: Buffer.from('<html>not json</html>'), truncated: false });
    assert.equal((await compareWithIndex(fake, url, file)).kind, 'unknown');
  } finally {
    await index.close();
  }
  const gone = await compareWithIndex(sendRequest, new URL(index.uploadUrl), { project: 'wheel', version: '0.40.0', filename: 'x', sha256: SHA });
  assert.equal(gone.kind, 'unknown');
});
