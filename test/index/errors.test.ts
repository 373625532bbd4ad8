import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexFormatError, IndexHttpError, IndexNetworkError, IndexRedirectError, IndexTooLargeError } from '../../src/index/errors.ts';
import { ExitCode, InputError, SecurityError } from '../../src/errors.ts';

test('every index error is one line naming the URL, with the exit code of its kind', () => {
  const errs = [
    new IndexHttpError(503, 'https://pypi.org/simple/', 'Service\nUnavailable', 2000),
    new IndexNetworkError('https://pypi.org/simple/', 'ECONNRESET', 'socket hang up\r\n'),
    new IndexFormatError('https://pypi.org/simple/a/', 'bad\u0000thing'),
    new IndexTooLargeError('https://pypi.org/simple/', 1024),
    new IndexRedirectError('https://pypi.org/simple/', 'https://evil.test/\nX-Injected: 1', 'another origin'),
  ];
  for (const e of errs) {
    assert.ok(!/[\r\n\u0000]/.test(e.message), e.message);
    assert.ok(e.message.startsWith('https://pypi.org/simple/'), e.message);
  }
  assert.equal(errs[0].message, 'https://pypi.org/simple/: the index answered HTTP 503 (Service Unavailable)');
  assert.equal((errs[0] as IndexHttpError).retryAfterMs, 2000);
  assert.ok(errs.slice(0, 4).every((e) => e instanceof InputError && e.exitCode === ExitCode.Usage));
  assert.ok(errs[4] instanceof SecurityError && errs[4].exitCode === ExitCode.Security);
  assert.equal(new IndexFormatError('w', 'x'.repeat(1000)).message.length < 320, true);
});
