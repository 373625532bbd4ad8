// Response header policy: the page CSP is strict, and Accept-Encoding is read per RFC 9110.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PAGE_CSP, acceptsGzip } from '../../src/server/headers.ts';

test('acceptsGzip honours explicit entries, q=0 and the wildcard', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['br, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['x-gzip', true],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['identity', false],
    ['br', false],
  ];
  for (const [h, want] of cases) assert.equal(acceptsGzip(h), want, String(h));
});

test('the page CSP allows nothing but same-origin styles and images', () => {
  const directives = new Map(PAGE_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('style-src'), "'self'");
  assert.equal(directives.get('frame-ancestors'), "'none'");
  assert.equal(directives.has('script-src'), false); // falls back to default-src 'none'
  assert.doesNotMatch(PAGE_CSP, /unsafe|https?:|\*/);
});

test('acceptsGzip reads any header value without failing', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (h) => assert.equal(typeof acceptsGzip(h), 'boolean')));
  fc.assert(fc.property(fc.array(fc.constantFrom('br', 'deflate', 'identity', 'zstd'), { maxLength: 4 }), (others) => assert.equal(acceptsGzip([...others, 'gzip'].join(', ')), true)));
});
