// The web pages: strict CSP on every page, no scripts, hostile names shown as text (checked with
// Python's HTML tokenizer), search redirects, project and file pages with hashes and proofs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_CSP } from '../../../src/server/headers.ts';
import { ICON_PATH, STYLE_PATH } from '../../../src/server/pages/assets.ts';
import { HOSTILE_FILE, HOSTILE_VERSION, T0, entry, logFixture, manyEntries, sha256hex } from '../support/fixture.ts';
import type { Fixture } from '../support/fixture.ts';
import { parseHtml } from '../support/htmlparse.ts';
import type { ParsedPage } from '../support/htmlparse.ts';

let f: Fixture;
const pages = new Map<string, { status: number; headers: Headers; body: string }>();

before(async () => {
  f = await logFixture({ limits: { projectPage: 4 } });
  await f.append(manyEntries('alpha-pkg', 6));
  await f.append([entry('evil', HOSTILE_VERSION, HOSTILE_FILE, 4242)]);
  await f.append([{ ...entry('twin', '1.0', 'twin-1.0.tar.gz'), sha256: sha256hex('same') }, { ...entry('twin', '1.0', 'twin-1.0.zip'), sha256: sha256hex('same') }]);
  await f.append([entry('evil', HOSTILE_VERSION, HOSTILE_FILE, 4242, 'tampered')]); // hash-changed alert
});
after(() => f.close());

async function get(path: string) {
  const r = await f.request(path);
  const p = { status: r.status, headers: r.headers, body: await r.text() };
  pages.set(path, p);
  return p;
}

function assertSafePage(path: string, page: { headers: Headers; body: string }, parsed: ParsedPage) {
  assert.equal(page.headers.get('content-type'), 'text/html; charset=UTF-8', path);
  assert.equal(page.headers.get('content-security-policy'), PAGE_CSP, path);
  assert.equal(page.headers.get('x-frame-options'), 'DENY', path);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff', path);
  const tags = new Set(parsed.tags.map((t) => t.tag));
  for (const bad of ['script', 'iframe', 'object', 'embed', 'img', 'b', 'style']) assert.equal(tags.has(bad), false, `${path} has <${bad}>`);
  for (const t of parsed.tags) {
    for (const [k, v] of Object.entries(t.attrs)) {
      assert.doesNotMatch(k, /^on/, `${path}: event handler attribute ${k}`);
      if (k === 'href' || k === 'src' || k === 'action') assert.match(v ?? '', /^(?:\/|https:\/\/c2sp\.org\/|\?)/, `${path}: ${k}=${v}`);
    }
  }
  const links = parsed.tags.filter((t) => t.tag === 'link').map((t) => t.attrs.href);
  assert.deepEqual(links, [STYLE_PATH, ICON_PATH], path);
}

test('every page: strict CSP, no scripts or foreign markup, only local links', async () => {
  const paths = ['/', '/project/alpha-pkg', '/project/evil', `/file/${encodeURIComponent(HOSTILE_FILE)}`, '/file/alpha_pkg-1.0-0.tar.gz', '/alerts', '/alerts?open=1&kind=hash-changed', '/status', '/nope', '/project/nope', '/search?q=nothing-here'];
  const got = await Promise.all(paths.map(get));
  const parsed = parseHtml(got.map((p) => p.body));
  paths.forEach((p, i) => assertSafePage(p, got[i], parsed[i]));
  assert.deepEqual(
    got.map((p) => p.status),
    [200, 200, 200, 200, 200, 200, 200, 200, 404, 404, 404],
  );
});

test('hostile names appear as exact text wherever they are shown', async () => {
  const paths = ['/project/evil', `/file/${encodeURIComponent(HOSTILE_FILE)}`, '/alerts'];
  const got = await Promise.all(paths.map(get));
  const parsed = parseHtml(got.map((p) => p.body));
  for (const [i, p] of paths.entries()) {
    assert.ok(parsed[i].text.includes(HOSTILE_FILE), `${p} shows the file name`);
    assert.ok(parsed[i].text.includes(HOSTILE_VERSION), `${p} shows the version`);
    assert.equal(got[i].body.includes(HOSTILE_FILE), false, `${p} contains the raw name`);
  }
  // Links to the hostile file carry it percent-encoded and decode back to it.
  const link = parsed[0].tags.find((t) => t.tag === 'a' && t.attrs.href?.startsWith('/file/'))!.attrs.href!;
  assert.equal(decodeURIComponent(link.slice('/file/'.length)), HOSTILE_FILE);
});

test('the project page lists every file with its hashes, first-seen time, alerts and proof link', async () => {
  const p = await get('/project/evil');
  const [parsed] = parseHtml([p.body]);
  const e = entry('evil', HOSTILE_VERSION, HOSTILE_FILE, 4242);
  for (const want of [e.sha256, e.blake2b256!, '4.1 KiB', '4,242 bytes', '2024-05-01 12:00:00 UTC', 'hash-changed', 'critical alert']) assert.ok(parsed.text.includes(want), want);
  assert.ok(parsed.tags.some((t) => t.tag === 'time' && t.attrs.datetime === T0.toISOString()));
  assert.ok(parsed.tags.some((t) => t.tag === 'a' && t.attrs.class === 'proof-link'));
});

test('project pages are paged and grouped by version; names are normalized by redirect', async () => {
  const first = await get('/project/alpha-pkg');
  const [parsed] = parseHtml([first.body]);
  const files = parsed.tags.filter((t) => t.tag === 'article' && t.attrs.class === 'file').map((t) => t.attrs.id);
  assert.deepEqual(files, ['entry-0', 'entry-1', 'entry-2', 'entry-3']);
  assert.deepEqual(parsed.tags.filter((t) => t.tag === 'section').length, 2); // versions 1.0 and 1.1
  const more = parsed.tags.find((t) => t.tag === 'a' && t.attrs.href?.includes('?after='))!.attrs.href!;
  assert.equal(more, '/project/alpha-pkg?after=3');
  const second = parseHtml([(await get(more)).body])[0];
  assert.deepEqual(second.tags.filter((t) => t.tag === 'article' && t.attrs.class === 'file').map((t) => t.attrs.id), ['entry-4', 'entry-5']);
  const r = await f.request('/project/Alpha_Pkg?after=3');
  assert.equal(r.status, 301);
  assert.equal(r.headers.get('location'), '/project/alpha-pkg?after=3');
  assert.equal((await f.request('/project/not%20a%20name')).status, 400);
});

test('the file page shows the tlog-proof served at /lookup, and how to check it', async () => {
  const name = 'alpha_pkg-1.0-0.tar.gz';
  const [parsed] = parseHtml([(await get(`/file/${name}`)).body]);
  const proof = await (await f.request(`/lookup/${name}?format=proof`)).text();
  assert.ok(parsed.pres.includes(proof));
  assert.ok(parsed.tags.some((t) => t.tag === 'a' && t.attrs.href === `/lookup/${name}?format=proof`));
  assert.ok(parsed.text.includes(f.open.info.verifierKey));
  assert.equal((await get('/file/missing.tar.gz')).status, 404);
});

test('search redirects to the project, file or sha256 match', async () => {
  const loc = async (q: string) => {
    const r = await f.request(`/search?q=${encodeURIComponent(q)}`);
    return [r.status, r.headers.get('location')];
  };
  assert.deepEqual(await loc('Alpha.Pkg'), [303, '/project/alpha-pkg']);
  assert.deepEqual(await loc(' alpha_pkg-1.0-0.tar.gz '), [303, '/file/alpha_pkg-1.0-0.tar.gz']);
  assert.deepEqual(await loc(HOSTILE_FILE), [303, `/file/${encodeURIComponent(HOSTILE_FILE)}`]);
  assert.deepEqual(await loc(sha256hex('alpha_pkg-1.0-1.tar.gz').toUpperCase()), [303, '/file/alpha_pkg-1.0-1.tar.gz']);
  assert.deepEqual(await loc(`sha256:${sha256hex('alpha_pkg-1.0-1.tar.gz')}`), [303, '/file/alpha_pkg-1.0-1.tar.gz']);
  assert.deepEqual(await loc(''), [303, '/']);
  const twins = await get(`/search?q=${sha256hex('same')}`);
  assert.equal(twins.status, 200);
  const [parsed] = parseHtml([twins.body]);
  assert.deepEqual(parsed.tags.filter((t) => t.tag === 'a' && t.attrs.href?.startsWith('/file/')).map((t) => t.attrs.href), ['/file/twin-1.0.tar.gz', '/file/twin-1.0.zip']);
  assert.equal((await f.request(`/search?q=${'0'.repeat(64)}`)).status, 404);
});

test('huge or malformed queries are refused with a page, not an error', async () => {
  for (const q of ['x'.repeat(600), 'y'.repeat(5000)]) {
    const r = await get(`/search?q=${q}`);
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('content-security-policy'), PAGE_CSP);
  }
  assert.equal((await get('/alerts?limit=abc')).status, 400);
  assert.equal((await get('/project/alpha-pkg?after=-5')).status, 400);
});

test('the alerts page filters and pages', async () => {
  const [all] = parseHtml([(await get('/alerts')).body]);
  assert.equal(all.tags.filter((t) => t.tag === 'article').length, 1);
  const [none] = parseHtml([(await get('/alerts?kind=file-removed')).body]);
  assert.ok(none.text.includes('No alerts match.'));
  const [byFile] = parseHtml([(await get(`/alerts?filename=${encodeURIComponent(HOSTILE_FILE)}`)).body]);
  assert.equal(byFile.tags.filter((t) => t.tag === 'article').length, 1);
  assert.ok(byFile.tags.some((t) => t.tag === 'input' && t.attrs.name === 'filename' && t.attrs.value === HOSTILE_FILE));
});

test('the status page shows the checkpoint note and the verifier key', async () => {
  const [s] = parseHtml([(await get('/status')).body]);
  const note = await (await f.request('/checkpoint')).text();
  assert.ok(s.pres.includes(note));
  assert.ok(s.text.includes(f.open.info.verifierKey));
  assert.ok(s.text.includes('curl -s http://localhost/checkpoint'));
});

test('static assets: hashed paths, immutable, right types; anything else under /static is 404', async () => {
  const css = await f.request(STYLE_PATH);
  assert.equal(css.status, 200);
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal(css.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(await css.text(), /prefers-color-scheme/);
  const icon = await f.request(ICON_PATH);
  assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
  assert.equal((await f.request('/static/style.css')).status, 404);
  assert.match(STYLE_PATH, /^\/static\/style-[0-9a-f]{12}\.css$/);
});
