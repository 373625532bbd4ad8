// Which URLs may carry credentials, and how URLs are shown without them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isLoopbackHost, mayCarryCredentials, assertCredentialsAllowed, sanitizeUrl, parseHttpUrl } from '../../src/upload/transport.ts';
import { SecurityError, UsageError } from '../../src/errors.ts';

test('loopback: localhost, 127.0.0.0/8, ::1 and mapped 127.x; nothing else', () => {
  for (const h of ['localhost', 'LOCALHOST', 'api.localhost', 'localhost.', '127.0.0.1', '127.255.3.4', '[::1]', '::1', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['example.org', 'localhost.example.org', '128.0.0.1', '10.0.0.1', '0.0.0.0', '[::2]', '[::ffff:10.0.0.1]', '127.0.0.1.nip.io', 'mylocalhost', '']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
  // As the URL parser hands them over.
  assert.equal(isLoopbackHost(new URL('http://[::ffff:127.0.0.1]:8080/').hostname), true);
  assert.equal(isLoopbackHost(new URL('http://127.1/').hostname), true);
  assert.equal(isLoopbackHost(new URL('http://2130706433/').hostname), true);
});

test('credentials may go over https anywhere and over http only to loopback', () => {
  assert.equal(mayCarryCredentials(new URL('https://upload.pypi.org/legacy/')), true);
  assert.equal(mayCarryCredentials(new URL('http://127.0.0.1:8080/legacy/')), true);
  assert.equal(mayCarryCredentials(new URL('http://localhost/legacy/')), true);
  assert.equal(mayCarryCredentials(new URL('http://pypi.example.org/legacy/')), false);
  assert.equal(mayCarryCredentials(new URL('http://192.168.1.10/legacy/')), false);
  assert.throws(
    () => assertCredentialsAllowed(new URL('http://user:pw@pypi.example.org/legacy/'), 'the password'),
    (e: unknown) => e instanceof SecurityError && e.exitCode === 3 && /plain HTTP/.test(e.message) && !/pw/.test(e.message),
  );
});

test('URLs are shown without user information', () => {
  assert.equal(sanitizeUrl('https://alice:s3cret@idx.example/legacy/?x=1'), 'https://idx.example/legacy/?x=1');
  assert.equal(sanitizeUrl('no url'), '<invalid URL>');
});

test('parseHttpUrl: http(s) with a host, else a usage error', () => {
  assert.equal(parseHttpUrl('https://a.example/x', 'u').host, 'a.example');
  for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@b', '', 'http//x']) {
    assert.throws(() => parseHttpUrl(bad, '--repository-url'), UsageError, bad);
  }
});

test('never crashes on arbitrary host names', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      assert.equal(typeof isLoopbackHost(s), 'boolean');
    }),
  );
  // Every IPv4 literal is loopback exactly when its first octet is 127.
  fc.assert(
    fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), ([a, b, c, d]) => {
      assert.equal(isLoopbackHost(`${a}.${b}.${c}.${d}`), a === 127);
    }),
  );
});
