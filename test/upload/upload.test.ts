// Uploading one file against the stand-in index, every response path: accepted, retried 5xx (with
// backoff and Retry-After), refused redirect, 403 with the index's reason, broken connections,
// "already exists" with --skip-existing (identical, different, unknown), plain-HTTP refusal, timeouts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIndexServer, type IndexServer } from '../support/index-server.ts';
import { SHARED } from '../support/cli.ts';
import { uploadFile, basicAuth, type PreparedUpload, type UploadDeps, type UploadSettings } from '../../src/upload/upload.ts';
import { planUploads, prepareUpload } from '../../src/upload/prepare.ts';
import { splitInputs } from '../../src/upload/inputs.ts';
import { digestFile } from '../../src/digest/index.ts';
import { sendRequest, type HttpRequestOptions } from '../../src/upload/http.ts';
import { CheckError, SecurityError, UsageError } from '../../src/errors.ts';

const WHEEL = join(SHARED, 'fixtures/dists/wheel-0.40.0-py3-none-any.whl');
const USERS = { __token__: 'pypi-test-token-abcdef' };

async function prepared(path = WHEEL): Promise<PreparedUpload> {
  const [plan] = await planUploads(splitInputs([path]), false);
  return prepareUpload(plan, await digestFile(path), {});
}

interface Recorder {
  deps: UploadDeps;
  sleeps: number[];
  logs: string[];
  sent: HttpRequestOptions[];
}

function recorder(): Recorder {
  const r: Recorder = {
    sleeps: [],
    logs: [],
    sent: [],
    deps: {
      send: (o) => {
        r.sent.push(o);
        return sendRequest(o);
      },
      sleep: async (ms) => {
        r.sleeps.push(ms);
      },
      random: () => 0.25,
      randomBytes: (n) => new Uint8Array(n).fill(0xab),
      log: (l) => r.logs.push(l),
      progress: () => ({ add() {}, stop() {} }),
    },
  };
  return r;
}

function settings(index: IndexServer, over: Partial<UploadSettings> = {}): UploadSettings {
  return {
    url: new URL(index.uploadUrl),
    username: '__token__',
    password: USERS.__token__,
    skipExisting: false,
    retry: { maxRetries: 4, baseDelayMs: 2000, maxDelayMs: 30_000 },
    userAgent: 'distsum-test/1',
    ...over,
  };
}

async function withIndex(opts: Parameters<typeof startIndexServer>[0], fn: (index: IndexServer) => Promise<void>): Promise<void> {
  const index = await startIndexServer({ users: USERS, ...opts });
  try {
    await fn(index);
  } finally {
    await index.close();
  }
}

test('an accepted upload: the index stores the very bytes, and got Basic auth and our user agent', async () => {
  await withIndex({}, async (index) => {
    const rec = recorder();
    const r = await uploadFile(await prepared(), settings(index), rec.deps);
    assert.deepEqual(r, { status: 'uploaded', attempts: 1 });
    assert.equal(index.files.length, 1);
    assert.deepEqual(readFileSync(index.files[0].path), readFileSync(WHEEL));
    const req = index.received[0];
    assert.equal(req.headers.authorization, basicAuth('__token__', USERS.__token__));
    assert.equal(req.headers['user-agent'], 'distsum-test/1');
    assert.match(String(req.headers['content-type']), /^multipart\/form-data; boundary=(ab){16}$/);
  });
});

test('5xx is retried with exponential backoff, then succeeds', async () => {
  await withIndex({}, async (index) => {
    index.failNext({ kind: 'status', status: 503, times: 2 });
    const rec = recorder();
    const r = await uploadFile(await prepared(), settings(index), rec.deps);
    assert.deepEqual(r, { status: 'uploaded', attempts: 3 });
    assert.deepEqual(rec.sleeps, [2250, 4250]);
    assert.match(rec.logs[0], /503 Service Unavailable.*retry 1 of 4/);
    assert.equal(index.received.length, 3);
    assert.equal(index.files.length, 1);
  });
});

test("the index's Retry-After is honoured", async () => {
  await withIndex({}, async (index) => {
    index.failNext({ kind: 'status', status: 502, retryAfter: '3' });
    const rec = recorder();
    await uploadFile(await prepared(), settings(index), rec.deps);
    assert.deepEqual(rec.sleeps, [3000]);
  });
});

test('retries are bounded: after maxRetries the last 5xx is the error', async () => {
  await withIndex({}, async (index) => {
    index.failNext({ kind: 'status', status: 500, times: 100, reason: 'Internal Server Error' });
    const rec = recorder();
    await assert.rejects(uploadFile(await prepared(), settings(index), rec.deps), (e: unknown) => e instanceof CheckError && /after 5 attempts: 500 Internal Server Error/.test(e.message));
    assert.equal(index.received.length, 5);
    assert.equal(rec.sleeps.length, 4);
  });
});

test('a redirect is refused, never followed, with twine\'s advice and the Location', async () => {
  await withIndex({}, async (index) => {
    index.failNext({ kind: 'redirect', location: '/other/legacy/', status: 301 });
    const rec = recorder();
    await assert.rejects(
      uploadFile(await prepared(), settings(index), rec.deps),
      (e: unknown) => e instanceof UsageError && e.message.includes(`${index.origin}/other/legacy/`) && /never followed/.test(e.message) && /--repository-url/.test(e.message),
    );
    assert.equal(rec.sent.length, 1, 'exactly one request');
    assert.equal(index.requests.filter((r) => r.path.startsWith('/other')).length, 0);
    assert.equal(index.files.length, 0);
  });
});

test("403: the index's reason and what to check; nothing is retried", async () => {
  await withIndex({}, async (index) => {
    const rec = recorder();
    await assert.rejects(
      uploadFile(await prepared(), settings(index, { password: 'pypi-wrong-token-123456' }), rec.deps),
      (e: unknown) => e instanceof CheckError && /403 Invalid or non-existent authentication information/.test(e.message) && /__token__/.test(e.message),
    );
    assert.equal(rec.sent.length, 1);
    assert.equal(rec.sleeps.length, 0);
  });
});

test('a 400 from the index carries its reason (a wrong digest is caught by the index)', async () => {
  await withIndex({}, async (index) => {
    const p = await prepared();
    const form = p.form.map((f) => (f.name === 'sha256_digest' ? { name: f.name, value: '0'.repeat(64) } : f));
    await assert.rejects(uploadFile({ ...p, form }, settings(index), recorder().deps), /400 The digest supplied does not match/);
  });
});

test('a dropped connection is retried', async () => {
  await withIndex({}, async (index) => {
    index.failNext({ kind: 'reset', afterBytes: 10 });
    const rec = recorder();
    const r = await uploadFile(await prepared(), settings(index), rec.deps);
    assert.equal(r.status, 'uploaded');
    assert.equal(rec.sleeps.length, 1);
    assert.match(rec.logs[0], /retry 1 of 4/);
  });
});

test('a slow index: no answer within the timeout fails (or is retried while retries remain)', async () => {
  await withIndex({}, async (index) => {
    index.failNext({ kind: 'slow', delayMs: 1500 });
    await assert.rejects(
      uploadFile(await prepared(), settings(index, { timeoutMs: 300, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } }), recorder().deps),
      (e: unknown) => e instanceof CheckError && /no response/.test(e.message),
    );
  });
});

test('--skip-existing: an identical file on the index is skipped and confirmed through the JSON API', async () => {
  await withIndex({ rejectIdenticalDuplicates: true }, async (index) => {
    await uploadFile(await prepared(), settings(index), recorder().deps);
    const again = await uploadFile(await prepared(), settings(index, { skipExisting: true }), recorder().deps);
    assert.equal(again.status, 'skipped');
    assert.deepEqual(again.status === 'skipped' && again.existing, { kind: 'identical' });
    assert.ok(index.requests.some((r) => r.path === '/pypi/wheel/0.40.0/json' && r.status === 200));
    // The JSON API lookup carries no credentials.
    assert.ok(index.requests.filter((r) => r.path.startsWith('/pypi/')).every((r) => !r.headers.authorization));
    // Without --skip-existing the same answer is an error with the index's reason.
    await assert.rejects(uploadFile(await prepared(), settings(index), recorder().deps), /400 File already exists/);
  });
});

test('--skip-existing never hides a different file under the same name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-upload-diff-'));
  try {
    await withIndex({}, async (index) => {
      // The index holds other bytes named like our wheel (an earlier build of the same version).
      const other = join(dir, 'wheel-0.40.0-py3-none-any.whl');
      copyFileSync(WHEEL, other);
      writeFileSync(other, Buffer.concat([readFileSync(WHEEL), Buffer.from('trailing junk')]));
      await index.addFile({ path: other, project: 'wheel', version: '0.40.0' });
      await assert.rejects(
        uploadFile(await prepared(), settings(index, { skipExisting: true }), recorder().deps),
        (e: unknown) => e instanceof CheckError && /different contents/.test(e.message) && e.message.includes(index.files[0].sha256),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--skip-existing with an index that cannot tell us its copy: skipped, marked unknown', async () => {
  await withIndex({}, async (index) => {
    index.failNext({ kind: 'status', status: 409, reason: 'Conflict' });
    const r = await uploadFile(await prepared(), settings(index, { skipExisting: true }), recorder().deps);
    assert.equal(r.status, 'skipped');
    assert.equal(r.status === 'skipped' && r.existing.kind, 'unknown');
  });
});

test('credentials are never sent over plain HTTP to another host: refused before any request', async () => {
  const rec = recorder();
  await assert.rejects(
    uploadFile(await prepared(), { ...settings({ uploadUrl: 'http://pypi.example.invalid/legacy/' } as IndexServer) }, rec.deps),
    (e: unknown) => e instanceof SecurityError && e.exitCode === 3,
  );
  assert.equal(rec.sent.length, 0);
});

test('explicitly empty credentials upload anonymously (no Authorization header)', async () => {
  await withIndex({ users: undefined }, async (index) => {
    await uploadFile(await prepared(), settings(index, { username: '', password: '' }), recorder().deps);
    assert.equal(index.received[0].headers.authorization, undefined);
    assert.equal(basicAuth('', ''), undefined);
  });
});

test('--skip-existing asks the JSON API first: a file the index lists with our sha256 is not sent again', async () => {
  await withIndex({}, async (index) => {
    await index.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
    const rec = recorder();
    const r = await uploadFile(await prepared(), settings(index, { skipExisting: true }), rec.deps);
    assert.deepEqual(r, { status: 'skipped', existing: { kind: 'identical' }, reason: 'listed by the JSON API' });
    assert.deepEqual(rec.sent.map((o) => o.method), ['GET']);
    assert.equal(index.received.length, 0, 'no upload request');
  });
});
