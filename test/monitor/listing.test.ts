import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseJsonApi } from '../../src/index/jsonapi.ts';
import { parseSimpleProject } from '../../src/index/simple.ts';
import { isComplete, mergeListing, versionFromFilename } from '../../src/monitor/listing.ts';

const FIX = join(import.meta.dirname, '../../../shared/fixtures/pypi');
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

function page(files: unknown[], name = 'demo') {
  return parseSimpleProject(Buffer.from(JSON.stringify({ meta: { 'api-version': '1.1' }, name, files })), JSON_TYPE, 'https://index.example/simple/demo/');
}
const hex = (c: string) => c.repeat(64);
const pyhosted = (b2: string, name: string) => `https://files.pythonhosted.org/packages/${b2.slice(0, 2)}/${b2.slice(2, 4)}/${b2.slice(4)}/${name}`;

test('real pages: the JSON API fills in BLAKE2b-256 and contradicts a placeholder sdist digest', () => {
  const simplePath = join(FIX, 'simple-json/poetry-core.v1.x-stubbed.json');
  const apiPath = join(FIX, 'json-api/poetry-core-1.5.0.json');
  const p = parseSimpleProject(readFileSync(simplePath), JSON_TYPE, 'https://pypi.org/simple/poetry-core/');
  const j = parseJsonApi(readFileSync(apiPath), 'https://pypi.org/pypi/poetry-core/1.5.0/json');
  const l = mergeListing(p, 'https://pypi.org/simple/poetry-core/', j);
  const rawApi = JSON.parse(readFileSync(apiPath, 'utf8')) as { urls: { filename: string; digests: Record<string, string> }[] };
  const rawPage = JSON.parse(readFileSync(simplePath, 'utf8')) as { files: { filename: string; hashes: Record<string, string>; size: number }[] };
  const wheel = l.files.find((f) => f.filename === 'poetry_core-1.5.0-py3-none-any.whl')!;
  assert.equal(wheel.blake2b256, rawApi.urls[0].digests.blake2b_256);
  assert.equal(wheel.version, '1.5.0');
  assert.ok(isComplete(wheel));
  assert.deepEqual(l.disagreements.map((d) => [d.filename, d.against]), [['poetry_core-1.5.0.tar.gz', 'json-api']]);
  assert.equal(l.disagreements[0].claimed.sha256, rawPage.files[1].hashes.sha256);
  assert.equal(l.disagreements[0].found.sha256, rawApi.urls[1].digests.sha256);
  // Releases the JSON API document does not cover: the URL's digest stands in for BLAKE2b-256.
  for (const f of l.files.filter((x) => x.version === '2.1.3')) assert.equal(f.blake2b256, /packages\/(..)\/(..)\/(.{60})\//.exec(f.url)!.slice(1).join(''));
});

test('a URL whose digest or file name differs from the claim sets the file aside', () => {
  const b2 = hex('b');
  const l = mergeListing(
    page([
      { filename: 'demo-1.0.tar.gz', url: pyhosted(hex('c'), 'demo-1.0.tar.gz'), hashes: { sha256: hex('a'), blake2b_256: b2 }, size: 1 },
      { filename: 'demo-1.1.tar.gz', url: pyhosted(b2, 'other-1.1.tar.gz'), hashes: { sha256: hex('a') }, size: 1 },
      { filename: 'demo-1.2.tar.gz', url: pyhosted(b2, 'demo-1.2.tar.gz'), hashes: { sha256: hex('a'), blake2b_256: b2 }, size: 1 },
      { filename: 'demo-1.3.tar.gz', url: 'https://mirror.example/demo-1.3.tar.gz', hashes: { sha256: hex('a') } },
    ]),
    'https://index.example/simple/demo/',
    undefined,
  );
  assert.deepEqual(l.disagreements.map((d) => [d.filename, d.against, d.found]), [
    ['demo-1.0.tar.gz', 'url', { blake2b_256: hex('c') }],
    ['demo-1.1.tar.gz', 'url-filename', { filename: 'other-1.1.tar.gz' }],
  ]);
  assert.deepEqual(l.files.map((f) => [f.filename, f.blake2b256, isComplete(f)]), [
    ['demo-1.2.tar.gz', b2, true],
    ['demo-1.3.tar.gz', undefined, false],
  ]);
});

test('sizes and digests the simple page and the JSON API both give must agree', () => {
  const file = (size: number) => ({ filename: 'demo-1.0.tar.gz', url: 'https://mirror.example/demo-1.0.tar.gz', digests: { sha256: hex('a') }, size });
  const doc = (size: number) =>
    parseJsonApi(Buffer.from(JSON.stringify({ info: { name: 'demo', version: '1.0' }, urls: [file(size)] })), 'https://index.example/pypi/demo/json');
  const simple = page([{ filename: 'demo-1.0.tar.gz', url: 'https://mirror.example/demo-1.0.tar.gz', hashes: { sha256: hex('a') }, size: 10 }]);
  assert.equal(mergeListing(simple, 'u', doc(10)).disagreements.length, 0);
  const l = mergeListing(simple, 'u', doc(11));
  assert.deepEqual(l.disagreements.map((d) => [d.claimed.size, d.found.size]), [[10, 11]]);
  assert.equal(l.files.length, 0);
  // Without a size on the page, the JSON API's completes the file.
  const noSize = page([{ filename: 'demo-1.0.tar.gz', url: 'https://mirror.example/demo-1.0.tar.gz', hashes: { sha256: hex('a') } }]);
  assert.equal(mergeListing(noSize, 'u', doc(12)).files[0].size, 12);
});

test('versions from file names', () => {
  const cases: Array<[string, string]> = [
    ['requests-2.31.0-py3-none-any.whl', '2.31.0'],
    ['requests-2.31.0.tar.gz', '2.31.0'],
    ['python-dateutil-2.8.2.tar.gz', '2.8.2'],
    ['Django-1.0.zip', '1.0'],
    ['setuptools-0.6c11-py2.7.egg', '0.6c11'],
    ['foo-1.0.tar.bz2', '1.0'],
    ['pywin32-227.win32-py2.7.exe', '-'],
    ['nonsense.whl', '-'],
  ];
  for (const [f, v] of cases) assert.equal(versionFromFilename(f), v, f);
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => typeof versionFromFilename(s) === 'string' && !/\s/.test(versionFromFilename(s))));
});
