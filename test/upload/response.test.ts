// What an index's answer means, and how its reason is shown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifyResponse, isAlreadyExists, responseReason, parseRetryAfter, adviceFor, MAX_REASON_CHARS, MAX_RETRY_AFTER_MS } from '../../src/upload/response.ts';
import type { HttpResponse } from '../../src/upload/http.ts';

function res(status: number, reason = '', body = '', headers: Record<string, string> = {}): HttpResponse {
  return { status, reason, headers, body: Buffer.from(body), truncated: false };
}

test('200 is success; any 3xx is a redirect with its Location', () => {
  assert.deepEqual(classifyResponse(res(200, 'OK'), { skipExisting: false }), { kind: 'ok' });
  for (const s of [301, 302, 303, 307, 308]) {
    assert.deepEqual(classifyResponse(res(s, 'Moved', '', { location: 'https://elsewhere.example/legacy/' }), { skipExisting: true }), {
      kind: 'redirect',
      status: s,
      location: 'https://elsewhere.example/legacy/',
    });
  }
  // 201/204 are not what the legacy API answers for an accepted upload.
  assert.equal(classifyResponse(res(201, 'Created'), { skipExisting: false }).kind, 'error');
});

test("'already exists' answers twine recognises count only with --skip-existing", () => {
  const cases: HttpResponse[] = [
    res(409, 'Conflict'),
    res(400, "File already exists ('x.whl', with blake2_256 hash 'ab'). See https://pypi.org/help/#file-name-reuse for more information."),
    res(400, 'Bad Request', 'This file already exists'),
    res(400, 'Bad Request', 'Repository does not allow updating assets: pypi-hosted'),
    res(403, 'Forbidden', 'Not enough permissions to overwrite artifact'),
    res(400, 'Bad Request', '{"message":"Validation failed: File name has already been taken"}'),
  ];
  for (const r of cases) {
    assert.equal(isAlreadyExists(r), true, r.reason);
    assert.equal(classifyResponse(r, { skipExisting: true }).kind, 'exists');
    assert.equal(classifyResponse(r, { skipExisting: false }).kind, 'error');
  }
  assert.equal(isAlreadyExists(res(400, 'Invalid value for version.')), false);
  assert.equal(isAlreadyExists(res(403, 'Forbidden', 'Invalid or non-existent authentication information.')), false);
});

test('5xx and 429 are retried, honouring Retry-After; other 4xx are errors with the reason', () => {
  const r = classifyResponse(res(503, 'Service Unavailable', '', { 'retry-after': '7' }), { skipExisting: false });
  assert.deepEqual(r, { kind: 'retry', status: 503, reason: 'Service Unavailable', retryAfterMs: 7000 });
  assert.equal(classifyResponse(res(429, 'Too Many Requests'), { skipExisting: false }).kind, 'retry');
  assert.deepEqual(classifyResponse(res(403, 'Invalid or non-existent authentication information.'), { skipExisting: false }), {
    kind: 'error',
    status: 403,
    reason: 'Invalid or non-existent authentication information.',
  });
});

test("the reason: warehouse's phrase, else the body's text (HTML stripped, JSON message), one bounded line", () => {
  assert.equal(responseReason(res(400, 'The digest supplied does not match a digest calculated from the uploaded file.')), 'The digest supplied does not match a digest calculated from the uploaded file.');
  assert.equal(
    responseReason(res(403, 'Forbidden', '<html><head><title>403</title><style>x{}</style></head><body><h1>403 Forbidden</h1>\n<p>Invalid API Token: &lt;token&gt; expired</p></body></html>')),
    'Forbidden: 403 403 Forbidden Invalid API Token: <token> expired',
  );
  assert.equal(responseReason(res(422, 'Unprocessable Entity', '{"message": "bad publisher"}')), 'Unprocessable Entity: bad publisher');
  assert.equal(responseReason(res(500, '', '')), 'Internal Server Error');
  assert.equal(responseReason(res(503, 'Service Unavailable', 'Service Unavailable\n')), 'Service Unavailable');
  const long = responseReason(res(400, 'Bad Request', 'x'.repeat(5000)));
  assert.equal(long.length, MAX_REASON_CHARS);
  assert.ok(long.endsWith('…'));
});

test('Retry-After: seconds or an HTTP date, capped; garbage ignored', () => {
  const now = () => Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('0', now), 0);
  assert.equal(parseRetryAfter('12', now), 12_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('99999', now), MAX_RETRY_AFTER_MS);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test("advice like twine's: legacy PyPI, the pypi.org web site, credentials", () => {
  assert.match(adviceFor(410, new URL('https://pypi.python.org/pypi')), /upload\.pypi\.org\/legacy/);
  assert.match(adviceFor(405, new URL('https://pypi.org/')), /not an upload URL/);
  assert.match(adviceFor(403, new URL('https://upload.pypi.org/legacy/')), /__token__/);
  assert.equal(adviceFor(400, new URL('https://upload.pypi.org/legacy/')), '');
});

test('never crashes on arbitrary responses; the reason is always one bounded line', () => {
  fc.assert(
    fc.property(fc.integer({ min: 100, max: 599 }), fc.string({ maxLength: 80 }), fc.string({ maxLength: 400 }), fc.boolean(), (status, reason, body, skip) => {
      const r = res(status, reason, body, { location: body.slice(0, 10), 'retry-after': reason.slice(0, 5) });
      const o = classifyResponse(r, { skipExisting: skip });
      assert.ok(['ok', 'exists', 'redirect', 'retry', 'error'].includes(o.kind));
      const why = responseReason(r);
      assert.ok(why.length <= MAX_REASON_CHARS && !/[\r\n]/.test(why));
    }),
    { numRuns: 500 },
  );
});
