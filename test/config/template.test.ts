import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { expandTemplate, isLoopbackHost, templateProblem, templateValueProblem, urlProblem } from '../../src/config/template.ts';

test('https and file URLs are allowed; http only to loopback', () => {
  assert.equal(urlProblem('https://example.org/x'), undefined);
  assert.equal(urlProblem('file:///srv/manifests/x.txt'), undefined);
  assert.equal(urlProblem('http://127.0.0.1:8080/x'), undefined);
  assert.equal(urlProblem('http://localhost/x'), undefined);
  assert.equal(urlProblem('http://[::1]:9/x'), undefined);
  assert.match(urlProblem('http://example.org/x')!, /only allowed to loopback/);
  assert.match(urlProblem('http://127.0.0.1.example.org/x')!, /only allowed to loopback/);
  assert.match(urlProblem('ftp://example.org/x')!, /not supported/);
  assert.match(urlProblem('https://user:pw@example.org/')!, /credentials/);
  assert.match(urlProblem('not a url')!, /not a URL/);
});

test('isLoopbackHost accepts 127/8, localhost and ::1 only', () => {
  for (const h of ['127.0.0.1', '127.255.0.9', 'localhost', '[::1]']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['128.0.0.1', 'localhost.example', '10.0.0.1', '::1', '127.0.0']) assert.equal(isLoopbackHost(h), false, h);
});

test('templates substitute {name} and {version} everywhere', () => {
  assert.equal(
    expandTemplate('https://e.org/{name}/v{version}/{name}-{version}.hashes.txt', { name: 'example_pkg', version: '1.2.0rc1' }),
    'https://e.org/example_pkg/v1.2.0rc1/example_pkg-1.2.0rc1.hashes.txt',
  );
});

test('template problems: unknown placeholders, unsafe schemes, spaces, empty', () => {
  assert.equal(templateProblem('https://e.org/{name}-{version}.hashes.txt'), undefined);
  assert.match(templateProblem('https://e.org/{project}.txt')!, /unknown placeholder "\{project\}"/);
  assert.match(templateProblem('https://e.org/{name')!, /unknown placeholder/);
  assert.match(templateProblem('https://e.org/}')!, /unknown placeholder/);
  assert.match(templateProblem('http://e.org/{name}')!, /loopback/);
  assert.match(templateProblem('https://e.org/a b')!, /spaces/);
  assert.match(templateProblem('')!, /empty/);
  assert.match(templateProblem('https://e.org/' + 'a'.repeat(3000))!, /longer than/);
});

test('values that could change a URL path or host are refused', () => {
  for (const v of ['../x', 'a/b', '1.0?x=1', '1.0#f', '', 'a b', '%2e%2e', '@evil']) {
    assert.ok(templateValueProblem('version', v), v);
    assert.throws(() => expandTemplate('https://e.org/{version}', { name: 'n', version: v }), RangeError);
  }
  for (const v of ['1.0', '2!1.0.post1+local.7', '1.0-1', 'v1']) assert.equal(templateValueProblem('version', v), undefined, v);
});

test('property: any template either has a problem or expands to a fetchable URL on the same host', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+!-]{0,20}$/), (tail, version) => {
      const t = `https://example.org/${tail}`;
      const p = templateProblem(t);
      if (p !== undefined) return;
      const url = expandTemplate(t, { name: 'pkg', version });
      assert.equal(urlProblem(url), undefined);
      assert.equal(new URL(url).host, 'example.org');
    }),
  );
});
