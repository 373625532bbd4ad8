import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeError, encodeError, type WireError } from '../../src/monitor/clientwire.ts';
import { IndexFormatError, IndexHttpError, IndexNetworkError, IndexRedirectError, IndexTooLargeError } from '../../src/index/errors.ts';
import { CheckError, InputError, SecurityError, UsageError } from '../../src/errors.ts';

// Through the wire and structured cloning, as between the threads.
const across = (e: unknown) => decodeError(structuredClone(encodeError(e)));

test('the index errors cross with their class, message and the fields the follower acts on', () => {
  const http = across(new IndexHttpError(429, 'https://i.example/simple/x/', 'slow down', 5000));
  assert.ok(http instanceof IndexHttpError && http instanceof InputError);
  assert.equal(http.message, 'https://i.example/simple/x/: the index answered HTTP 429 (slow down)');
  assert.deepEqual([http.status, http.url, http.retryAfterMs], [429, 'https://i.example/simple/x/', 5000]);

  const gone = across(new IndexHttpError(404, 'https://i.example/simple/y/'));
  assert.ok(gone instanceof IndexHttpError);
  assert.deepEqual([gone.status, gone.retryAfterMs], [404, undefined]);

  const net = across(new IndexNetworkError('https://i.example/', 'ETIMEDOUT', 'the index did not answer in time', { timedOut: true }));
  assert.ok(net instanceof IndexNetworkError);
  assert.deepEqual([net.message, net.url, net.code, net.timedOut], ['https://i.example/: the index did not answer in time', 'https://i.example/', 'ETIMEDOUT', true]);

  const big = across(new IndexTooLargeError('https://f.example/a.whl', 1000, 'file'));
  assert.ok(big instanceof IndexTooLargeError);
  assert.deepEqual([big.message, big.url, big.limit], ['https://f.example/a.whl: the file is larger than 1000 bytes; stopped reading', 'https://f.example/a.whl', 1000]);

  const redirect = across(new IndexRedirectError('https://i.example/simple/', 'https://evil.example/', 'only redirects within https://i.example are followed'));
  assert.ok(redirect instanceof IndexRedirectError && redirect instanceof SecurityError);
  assert.deepEqual([redirect.url, redirect.location], ['https://i.example/simple/', 'https://evil.example/']);
  assert.match(redirect.message, /^https:\/\/i\.example\/simple\/: refused redirect to https:\/\/evil\.example\/: only redirects/);

  const format = across(new IndexFormatError('https://i.example/simple/z/', 'malformed JSON'));
  assert.ok(format instanceof IndexFormatError);
  assert.equal(format.message, 'https://i.example/simple/z/: malformed JSON');
});

test("distsum's own errors keep their class and exit code; anything else is a plain Error with its message", () => {
  const usage = across(new UsageError('bad name'));
  assert.ok(usage instanceof UsageError);
  assert.equal(usage.exitCode, 2);
  assert.ok(across(new InputError('bad input')) instanceof InputError);
  const sec = across(new SecurityError('forked'));
  assert.ok(sec instanceof SecurityError);
  assert.equal(sec.exitCode, 3);
  // A class the wire does not know becomes a plain Error (with the message).
  const check = across(new CheckError('digest mismatch'));
  assert.equal(check.constructor, Error);
  assert.equal(check.message, 'digest mismatch');
  const plain = across(new TypeError('x is not a function'));
  assert.equal(plain.constructor, Error);
  assert.equal(plain.message, 'x is not a function');
  assert.equal(across('a string').message, 'a string');
});

test('property: any wire error decodes to an Error with its message, and a known class encodes back to the same fields', () => {
  const classes = ['IndexHttpError', 'IndexNetworkError', 'IndexTooLargeError', 'IndexRedirectError', 'IndexFormatError', 'UsageError', 'InputError', 'SecurityError', 'Error', 'Whatever'];
  const wire: fc.Arbitrary<WireError> = fc.record(
    {
      cls: fc.constantFrom(...classes),
      message: fc.string({ maxLength: 200 }),
      status: fc.integer({ min: 100, max: 599 }),
      url: fc.webUrl(),
      retryAfterMs: fc.nat(),
      code: fc.constantFrom('ECONNRESET', 'ETIMEDOUT', 'ERR_NETWORK'),
      timedOut: fc.boolean(),
      limit: fc.nat(),
      location: fc.string({ maxLength: 50 }),
    },
    { requiredKeys: ['cls', 'message'] },
  );
  fc.assert(
    fc.property(wire, (w) => {
      const e = decodeError(w);
      assert.ok(e instanceof Error);
      assert.equal(e.message, w.message);
      const back = encodeError(e);
      assert.equal(back.message, w.message);
      if (w.cls === 'IndexHttpError') {
        assert.equal(back.cls, w.cls);
        assert.equal(back.status, w.status ?? 0);
        assert.equal(back.retryAfterMs, w.retryAfterMs);
      }
      if (w.cls === 'IndexNetworkError') {
        assert.equal(back.code, w.code ?? 'ERR_NETWORK');
        assert.equal(back.timedOut, w.timedOut === true);
      }
    }),
  );
});
