// The stand-in index itself (a test fixture, so it is checked too): after twine uploads a real PyPI
// wheel to it, it serves that wheel through the JSON API, PEP 691 JSON and PEP 503 HTML the way the
// saved pypi.org responses in fixtures/pypi show, and it refuses what warehouse refuses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIndexServer } from '../support/index-server.ts';
import { SHARED } from '../support/cli.ts';

const run = promisify(execFile);
const WHEEL = join(SHARED, 'fixtures/dists/wheel-0.40.0-py3-none-any.whl');
const PYPI_JSON = JSON.parse(readFileSync(join(SHARED, 'fixtures/pypi/json-api/wheel-0.40.0.json'), 'utf8'));
const PYPI_SIMPLE = JSON.parse(readFileSync(join(SHARED, 'fixtures/pypi/simple-json/wheel.v1.1.json'), 'utf8'));

async function withTwineUpload(fn: (origin: string, index: Awaited<ReturnType<typeof startIndexServer>>) => Promise<void>): Promise<void> {
  const index = await startIndexServer({ users: { __token__: 'pypi-stand-in-token' } });
  try {
    await run('/usr/bin/twine', ['upload', '--repository-url', index.uploadUrl, '-u', '__token__', '-p', 'pypi-stand-in-token', '--disable-progress-bar', WHEEL], {
      env: { PATH: process.env.PATH, HOME: '/nonexistent', NO_COLOR: '1' },
    });
    await fn(index.origin, index);
  } finally {
    await index.close();
  }
}

test('the JSON API describes the uploaded wheel as pypi.org described it', async () => {
  await withTwineUpload(async (origin) => {
    const doc = (await (await fetch(`${origin}/pypi/wheel/0.40.0/json`)).json()) as typeof PYPI_JSON;
    const ours = doc.urls[0];
    const theirs = PYPI_JSON.urls.find((u: { filename: string }) => u.filename === 'wheel-0.40.0-py3-none-any.whl');
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
    for (const k of ['digests', 'filename', 'md5_digest', 'packagetype', 'python_version', 'requires_python', 'size', 'has_sig', 'yanked', 'yanked_reason', 'comment_text', 'downloads']) {
      assert.deepEqual(ours[k], theirs[k], k);
    }
    // Same storage layout as files.pythonhosted.org: the path is the BLAKE2b-256 digest split 2/2/60.
    assert.equal(new URL(ours.url).pathname.replace(/^\/files\//, ''), new URL(theirs.url).pathname.replace(/^\/packages\//, ''));
    for (const k of Object.keys(doc.info)) assert.ok(k in PYPI_JSON.info, `info.${k} is not a PyPI field`);
    for (const k of ['author', 'author_email', 'description', 'description_content_type', 'keywords', 'name', 'requires_python', 'summary', 'version', 'maintainer_email']) {
      assert.deepEqual(doc.info[k], PYPI_JSON.info[k], `info.${k}`);
    }
    assert.deepEqual([...doc.info.classifiers].sort(), [...PYPI_JSON.info.classifiers].sort());
    assert.deepEqual(doc.info.requires_dist, PYPI_JSON.info.requires_dist);
    assert.deepEqual(doc.info.project_urls, PYPI_JSON.info.project_urls);
    const project = (await (await fetch(`${origin}/pypi/wheel/json`)).json()) as { releases: Record<string, unknown[]> };
    assert.deepEqual(Object.keys(project.releases), ['0.40.0']);
  });
});

test('PEP 691 JSON and PEP 503 HTML, by content negotiation, as pypi.org serves them', async () => {
  await withTwineUpload(async (origin) => {
    const j = await fetch(`${origin}/simple/wheel/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
    assert.equal(j.headers.get('content-type'), 'application/vnd.pypi.simple.v1+json');
    const doc = (await j.json()) as typeof PYPI_SIMPLE;
    const theirs = PYPI_SIMPLE.files.find((f: { filename: string }) => f.filename === 'wheel-0.40.0-py3-none-any.whl');
    assert.deepEqual(Object.keys(doc.files[0]).sort(), Object.keys(theirs).sort());
    for (const k of ['filename', 'hashes', 'requires-python', 'size', 'yanked']) assert.deepEqual(doc.files[0][k], theirs[k], k);
    assert.equal(doc.meta['api-version'], '1.1');
    assert.equal(doc.name, 'wheel');

    const h = await fetch(`${origin}/simple/wheel/`, { headers: { accept: 'text/html' } });
    const html = await h.text();
    const a = /<a href="([^"#]+)#sha256=([0-9a-f]{64})" data-requires-python="([^"]*)">([^<]+)<\/a>/.exec(html);
    assert.ok(a, html);
    assert.equal(a[2], theirs.hashes.sha256);
    assert.equal(a[3].replace(/&gt;/g, '>'), '>=3.7');
    assert.equal(a[4], 'wheel-0.40.0-py3-none-any.whl');
    assert.deepEqual(Buffer.from(await (await fetch(a[1])).arrayBuffer()), readFileSync(WHEEL));

    const q = await fetch(`${origin}/simple/wheel/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json;q=0.2, text/html;q=0.9' } });
    assert.match(String(q.headers.get('content-type')), /html/);
    assert.equal((await fetch(`${origin}/simple/wheel/`, { headers: { accept: 'application/xml' } })).status, 406);
    const redirect = await fetch(`${origin}/simple/Wheel/`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/simple/wheel/');
    const index = (await (await fetch(`${origin}/simple/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { projects: Array<{ name: string }> };
    assert.deepEqual(index.projects, [{ name: 'wheel' }]);
  });
});

test('yanking and removing show in every API; the serial moves with every change', async () => {
  await withTwineUpload(async (origin, index) => {
    const s0 = index.serial();
    index.setYanked('wheel-0.40.0-py3-none-any.whl', 'broken build');
    const doc = (await (await fetch(`${origin}/simple/wheel/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: Array<{ yanked: unknown }> };
    assert.equal(doc.files[0].yanked, 'broken build');
    assert.match(await (await fetch(`${origin}/simple/wheel/`)).text(), /data-yanked="broken build"/);
    index.removeFile('wheel-0.40.0-py3-none-any.whl');
    assert.equal((await fetch(`${origin}/simple/wheel/`)).status, 404);
    assert.equal(index.serial(), s0 + 2);
  });
});

test('refuses what warehouse refuses: no or wrong credentials, a wrong digest, a file of another project', async () => {
  const index = await startIndexServer({ users: { __token__: 'pypi-right-token' } });
  try {
    const bytes = readFileSync(WHEEL);
    const post = async (fields: Record<string, string>, filename: string, auth?: string) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('content', new Blob([bytes], { type: 'application/octet-stream' }), filename);
      const res = await fetch(index.uploadUrl, { method: 'POST', body: form, headers: auth ? { authorization: 'Basic ' + Buffer.from(auth).toString('base64') } : {} });
      await res.arrayBuffer();
      return res;
    };
    const good = { ':action': 'file_upload', protocol_version: '1', name: 'wheel', version: '0.40.0', filetype: 'bdist_wheel', sha256_digest: 'd236b20e7cb522daf2390fa84c55eea81c5c30190f90f29ae2ca1ad8355bf247' };
    assert.equal((await post(good, 'wheel-0.40.0-py3-none-any.whl')).status, 403);
    assert.equal((await post(good, 'wheel-0.40.0-py3-none-any.whl', '__token__:nope')).status, 403);
    const wrong = await post({ ...good, sha256_digest: '0'.repeat(64) }, 'wheel-0.40.0-py3-none-any.whl', '__token__:pypi-right-token');
    assert.equal(wrong.status, 400);
    assert.equal(wrong.statusText, 'The digest supplied does not match a digest calculated from the uploaded file.');
    const other = await post(good, 'other-0.40.0-py3-none-any.whl', '__token__:pypi-right-token');
    assert.equal(other.status, 400);
    assert.match(other.statusText, /Start filename for 'wheel'/);
    const noDigest = await post({ ...good, sha256_digest: '' }, 'wheel-0.40.0-py3-none-any.whl', '__token__:pypi-right-token');
    assert.equal(noDigest.statusText, 'Include at least one message digest.');
    assert.equal(index.files.length, 0);
    const ok = await post(good, 'wheel-0.40.0-py3-none-any.whl', '__token__:pypi-right-token');
    assert.equal(ok.status, 200);
    assert.equal((await post(good, 'wheel-0.40.0-py3-none-any.whl', '__token__:pypi-right-token')).status, 200, 'an identical re-upload is OK, as warehouse answers');
  } finally {
    await index.close();
  }
});
