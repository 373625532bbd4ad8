import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lastPathSegment, urlFragmentParams } from '../../../src/verify/locks/url.ts';
import { python } from './support.ts';

test('the last path segment names the file', () => {
  const cases: [string, string | undefined][] = [
    ['https://files.pythonhosted.org/packages/ab/cd/ef/pkg-1.0-py3-none-any.whl', 'pkg-1.0-py3-none-any.whl'],
    ['https://x/dl/pkg-1.0.tar.gz?token=1#sha256=abc', 'pkg-1.0.tar.gz'],
    ['https://x/dl/my%20pkg-1.0.tar.gz', 'my pkg-1.0.tar.gz'],
    ['file:///home/me/dist/pkg-1.0.zip', 'pkg-1.0.zip'],
    ['./dist/pkg-1.0.whl', 'pkg-1.0.whl'],
    ['C:\\wheels\\pkg-1.0.whl', 'pkg-1.0.whl'],
    ['pkg-1.0.whl', 'pkg-1.0.whl'],
    ['https://x/dir/', undefined],
    ['https://x/..', undefined],
    ['https://x/bad%zz', undefined],
    ['https://x/a%2Fb', undefined],
    ['https://x/a%0Ab', undefined],
    ['', undefined],
    [`https://x/${'a'.repeat(256)}`, undefined],
  ];
  for (const [u, want] of cases) assert.equal(lastPathSegment(u), want, u);
});

test('property: the segment of a URL is what Python urllib makes of it', () => {
  const urls = fc.sample(
    fc.tuple(fc.array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/), { maxLength: 3 }), fc.stringMatching(/^[A-Za-z0-9._~ +-]{1,12}$/), fc.constantFrom('', '?q=1', '#frag', '?a=b#c')).map(
      ([dirs, file, tail]) => `https://h.example/${[...dirs, encodeURIComponent(file)].join('/')}${tail}`,
    ),
    { numRuns: 200, seed: 7 },
  );
  const want = python<(string | null)[]>(
    "import json, sys\nfrom urllib.parse import urlsplit, unquote\nprint(json.dumps([unquote(urlsplit(u).path.rsplit('/', 1)[-1]) or None for u in json.load(sys.stdin)]))",
    urls,
  );
  urls.forEach((u, i) => {
    const w = want[i];
    assert.equal(lastPathSegment(u) ?? null, w === '.' || w === '..' ? null : w, u);
  });
});

test('fragment parameters', () => {
  assert.deepEqual([...urlFragmentParams('https://x/y.tar.gz#egg=pkg&sha256=abc&egg=other&bad')], [
    ['egg', 'pkg'],
    ['sha256', 'abc'],
  ]);
  assert.equal(urlFragmentParams('https://x/y').size, 0);
});
