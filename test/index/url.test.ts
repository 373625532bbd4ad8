import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isLoopback, resolveIndexUrl } from '../../src/index/url.ts';
import { SecurityError, UsageError } from '../../src/errors.ts';

test('index URLs as users write them', () => {
  assert.deepEqual(resolveIndexUrl('https://pypi.org/'), { base: 'https://pypi.org/', simple: 'https://pypi.org/simple/', jsonApi: 'https://pypi.org/pypi/' });
  assert.deepEqual(resolveIndexUrl('https://pypi.org'), { base: 'https://pypi.org/', simple: 'https://pypi.org/simple/', jsonApi: 'https://pypi.org/pypi/' });
  assert.deepEqual(resolveIndexUrl('https://pypi.org/simple/'), { base: 'https://pypi.org/', simple: 'https://pypi.org/simple/', jsonApi: 'https://pypi.org/pypi/' });
  assert.deepEqual(resolveIndexUrl('https://test.pypi.org/simple'), { base: 'https://test.pypi.org/', simple: 'https://test.pypi.org/simple/', jsonApi: 'https://test.pypi.org/pypi/' });
  assert.deepEqual(resolveIndexUrl('http://127.0.0.1:8080/simple'), { base: 'http://127.0.0.1:8080/', simple: 'http://127.0.0.1:8080/simple/' });
  assert.deepEqual(resolveIndexUrl('http://127.0.0.1:8080/simple', { jsonApi: true }), { base: 'http://127.0.0.1:8080/', simple: 'http://127.0.0.1:8080/simple/', jsonApi: 'http://127.0.0.1:8080/pypi/' });
  assert.deepEqual(resolveIndexUrl('https://devpi.test/root/pypi/+simple/'), { base: 'https://devpi.test/root/pypi/', simple: 'https://devpi.test/root/pypi/+simple/' });
  assert.deepEqual(resolveIndexUrl('https://gitlab.test/api/v4/projects/7/packages/pypi'), { base: 'https://gitlab.test/api/v4/projects/7/packages/pypi/', simple: 'https://gitlab.test/api/v4/projects/7/packages/pypi/simple/' });
  assert.deepEqual(resolveIndexUrl('  HTTPS://PyPI.org//simple//  '), { base: 'https://pypi.org/', simple: 'https://pypi.org/simple/', jsonApi: 'https://pypi.org/pypi/' });
  assert.equal(resolveIndexUrl('https://pypi.org/', { jsonApi: false }).jsonApi, undefined);
});

test('refused index URLs', () => {
  assert.throws(() => resolveIndexUrl('http://pypi.org/simple/'), SecurityError);
  assert.equal(resolveIndexUrl('http://mirror.test/simple/', { allowHttp: true }).simple, 'http://mirror.test/simple/');
  for (const bad of ['pypi.org', 'ftp://pypi.org/simple/', 'file:///srv/simple/', 'https://user:pw@pypi.org/simple/', 'https://pypi.org/simple/?x=1', 'https://pypi.org/simple/#x', '']) {
    assert.throws(() => resolveIndexUrl(bad), UsageError, bad);
  }
});

test('loopback hosts', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) assert.equal(isLoopback(h), true, h);
  for (const h of ['128.0.0.1', 'localhost.evil.test', '127.0.0.1.evil.test', '0.0.0.0', '[::2]']) assert.equal(isLoopback(h), false, h);
});

test('property: any string gives a typed error or URLs ending in / on one origin', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.webUrl({ withQueryParameters: false, withFragments: false })), (s) => {
      try {
        const u = resolveIndexUrl(s, { allowHttp: true });
        assert.ok(u.base.endsWith('/') && u.simple.endsWith('/'));
        assert.equal(new URL(u.simple).origin, new URL(u.base).origin);
        assert.ok(u.simple.startsWith(u.base));
        // Resolving the simple root again is a fixed point.
        assert.equal(resolveIndexUrl(u.simple, { allowHttp: true }).simple, u.simple);
      } catch (e) {
        assert.ok(e instanceof UsageError || e instanceof SecurityError, String(e));
      }
    }),
  );
});
