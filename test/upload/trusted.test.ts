// Trusted publishing against local stand-ins of the index's OIDC endpoints and GitHub Actions' token
// endpoint: the happy path, each failure the index reports, and the refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIndexServer, type IndexServer, type IndexServerOptions } from '../support/index-server.ts';
import { mintTrustedPublishingToken, actionsOidcEnv, mintErrors } from '../../src/upload/trusted.ts';
import { sendRequest } from '../../src/upload/http.ts';
import { CheckError, SecurityError } from '../../src/errors.ts';
import fc from 'fast-check';

const ACTIONS = { requestToken: 'gha-request-token-xyz', idToken: 'eyJ.oidc-jwt' };

async function withIndex(opts: IndexServerOptions, fn: (i: IndexServer, secrets: string[]) => Promise<void>): Promise<void> {
  const index = await startIndexServer(opts);
  try {
    await fn(index, []);
  } finally {
    await index.close();
  }
}

function actionsEnv(index: IndexServer) {
  return { requestUrl: `${index.origin}/_actions/idtoken?api-version=2.0`, requestToken: ACTIONS.requestToken };
}

test('audience, Actions OIDC token for that audience, exchange: the minted token comes back and every secret is registered', async () => {
  await withIndex({ oidc: { audience: 'testindex', mintedToken: 'pypi-minted-upload-token' }, actions: ACTIONS }, async (index) => {
    const secrets: string[] = [];
    const token = await mintTrustedPublishingToken(new URL(index.uploadUrl), actionsEnv(index), { send: sendRequest, secret: (s) => secrets.push(s), isPyPI: false });
    assert.equal(token, 'pypi-minted-upload-token');
    assert.deepEqual(secrets, [ACTIONS.requestToken, `${ACTIONS.idToken}.testindex`, 'pypi-minted-upload-token']);
    const paths = index.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    assert.deepEqual(paths, ['GET /_/oidc/audience', 'GET /_actions/idtoken', 'POST /_/oidc/mint-token']);
    // The Actions request token goes only to the Actions endpoint.
    assert.equal(index.requests[1].headers.authorization, `bearer ${ACTIONS.requestToken}`);
    assert.equal(index.requests[0].headers.authorization, undefined);
    assert.equal(index.requests[2].headers.authorization, undefined);
    assert.ok(index.requests[1].path.includes('audience=testindex'));
  });
});

test("the index's errors are shown by code and description", async () => {
  await withIndex(
    { oidc: { audience: 'testindex', mintedToken: 'x', errors: [{ code: 'invalid-publisher', description: 'valid token, but no corresponding publisher' }] }, actions: ACTIONS },
    async (index) => {
      await assert.rejects(
        mintTrustedPublishingToken(new URL(index.uploadUrl), actionsEnv(index), { send: sendRequest, secret: () => {}, isPyPI: false }),
        (e: unknown) => e instanceof CheckError && /invalid-publisher: valid token, but no corresponding publisher/.test(e.message) && /422/.test(e.message),
      );
    },
  );
  assert.equal(mintErrors({ errors: [{ code: 'a', description: 'b' }, { code: 'c' }] }), 'a: b; c');
  assert.equal(mintErrors({ message: 'only a message' }), 'only a message');
  assert.equal(mintErrors('junk'), '');
});

test('an index without trusted publishing, or an Actions endpoint refusing us, fails with a clear reason', async () => {
  await withIndex({ actions: ACTIONS }, async (index) => {
    await assert.rejects(
      mintTrustedPublishingToken(new URL(index.uploadUrl), actionsEnv(index), { send: sendRequest, secret: () => {}, isPyPI: false }),
      (e: unknown) => e instanceof CheckError && /OIDC audience/.test(e.message) && /404/.test(e.message),
    );
  });
  await withIndex({ oidc: { audience: 'testindex', mintedToken: 'x' }, actions: ACTIONS }, async (index) => {
    await assert.rejects(
      mintTrustedPublishingToken(new URL(index.uploadUrl), { ...actionsEnv(index), requestToken: 'wrong-request-token' }, { send: sendRequest, secret: () => {}, isPyPI: false }),
      (e: unknown) => e instanceof CheckError && /id-token: write/.test(e.message) && /401/.test(e.message),
    );
  });
});

test("an index that is not PyPI asking for PyPI's audience is refused: that token could be replayed at PyPI", async () => {
  await withIndex({ oidc: { audience: 'pypi', mintedToken: 'x' }, actions: ACTIONS }, async (index) => {
    await assert.rejects(
      mintTrustedPublishingToken(new URL(index.uploadUrl), actionsEnv(index), { send: sendRequest, secret: () => {}, isPyPI: false }),
      (e: unknown) => e instanceof SecurityError && /audience "pypi"/.test(e.message),
    );
    assert.ok(!index.requests.some((r) => r.path.startsWith('/_actions/')), 'no OIDC token was even requested');
  });
});

test('the Actions token endpoint must be https (or loopback)', async () => {
  await withIndex({ oidc: { audience: 'testindex', mintedToken: 'x' } }, async (index) => {
    await assert.rejects(
      mintTrustedPublishingToken(new URL(index.uploadUrl), { requestUrl: 'http://actions.example.invalid/token', requestToken: 't' }, { send: sendRequest, secret: () => {}, isPyPI: false }),
      SecurityError,
    );
  });
});

test('Actions OIDC settings come from both environment variables or not at all', () => {
  assert.deepEqual(actionsOidcEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://a/', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }), { requestUrl: 'https://a/', requestToken: 't' });
  assert.equal(actionsOidcEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://a/' }), undefined);
  assert.equal(actionsOidcEnv({}), undefined);
});

test('property: any error document from the index gives a bounded line, never a crash', () => {
  fc.assert(
    fc.property(fc.anything(), (doc) => {
      const s = mintErrors(doc);
      assert.equal(typeof s, 'string');
      assert.ok(s.length <= 600 && !/[\r\n]/.test(s));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.array(fc.record({ code: fc.anything(), description: fc.anything() }), { maxLength: 20 }), (errors) => {
      assert.ok(mintErrors({ errors }).length <= 600);
    }),
  );
});
