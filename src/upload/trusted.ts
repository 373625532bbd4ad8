// Trusted publishing (OpenID Connect) from GitHub Actions: ask the index which audience it wants, get an
// OIDC token for that audience from the Actions runtime, and exchange it at the index for a short-lived
// upload token. https://docs.pypi.org/trusted-publishers/

import { CheckError, SecurityError, UsageError } from '../errors.ts';
import type { HttpRequestOptions, HttpResponse, TlsOptions } from './http.ts';
import { NetworkError } from './http.ts';
import { assertCredentialsAllowed, parseHttpUrl, sanitizeUrl } from './transport.ts';
import { oneLine, responseReason } from './response.ts';

/** Where the GitHub Actions runtime hands out OIDC tokens (both set when `id-token: write` is granted). */
export interface ActionsOidcEnv {
  requestUrl: string;
  requestToken: string;
}

/** The Actions OIDC settings from the environment, when both are present. */
export function actionsOidcEnv(env: NodeJS.ProcessEnv): ActionsOidcEnv | undefined {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) return undefined;
  return { requestUrl, requestToken };
}

/** Sends one request; `sendRequest` in production, a stand-in in tests. */
export type Send = (opts: HttpRequestOptions) => Promise<HttpResponse>;

/** What trusted publishing needs besides the environment. */
export interface TrustedPublishingDeps {
  send: Send;
  tls?: TlsOptions;
  /** Called with each secret as soon as it exists, so it is redacted from all later output. */
  secret: (s: string) => void;
  /** Refuse an index other than PyPI that asks for a token with PyPI's audience. */
  isPyPI: boolean;
}

/** Audiences of PyPI and TestPyPI: tokens for them go nowhere else. */
export const PYPI_AUDIENCES = ['pypi', 'testpypi'];

/** Largest JSON document we accept from these endpoints. */
const MAX_JSON = 256 * 1024;

/**
 * Mints an upload token for the index at `repositoryUrl`: GET `<origin>/_/oidc/audience`, GET the Actions
 * token URL with `&audience=...` and `Authorization: bearer <request token>`, POST `{"token": <oidc>}` to
 * `<origin>/_/oidc/mint-token`. Every failure is a one-line error; the index's `errors[].code/description`
 * are shown when it gives them. Credentials only ever go over https or to loopback.
 */
export async function mintTrustedPublishingToken(
  repositoryUrl: URL,
  actions: ActionsOidcEnv,
  deps: TrustedPublishingDeps,
): Promise<string> {
  const origin = repositoryUrl.origin;
  const audienceUrl = new URL('/_/oidc/audience', origin);
  const mintUrl = new URL('/_/oidc/mint-token', origin);
  deps.secret(actions.requestToken);

  const audDoc = await getJson(deps, audienceUrl, {}, 'the index\'s OIDC audience');
  const audience = (audDoc as { audience?: unknown }).audience;
  if (typeof audience !== 'string' || !audience) {
    throw new CheckError(`trusted publishing: ${sanitizeUrl(audienceUrl)} gave no audience; this index may not support trusted publishing`);
  }
  // An OIDC token for PyPI's audience could be exchanged at PyPI by whoever receives it.
  if (!deps.isPyPI && PYPI_AUDIENCES.includes(audience)) {
    throw new SecurityError(`trusted publishing: ${sanitizeUrl(audienceUrl)} is not PyPI but asks for a token with PyPI's audience "${audience}"; refusing to send it`);
  }

  const tokenUrl = parseHttpUrl(actions.requestUrl, 'ACTIONS_ID_TOKEN_REQUEST_URL');
  assertCredentialsAllowed(tokenUrl, 'the Actions ID-token request token');
  tokenUrl.searchParams.set('audience', audience);
  const oidcDoc = await getJson(
    deps,
    tokenUrl,
    { authorization: `bearer ${actions.requestToken}` },
    'an OIDC token from GitHub Actions (does the job have "permissions: id-token: write"?)',
  );
  const oidc = (oidcDoc as { value?: unknown }).value;
  if (typeof oidc !== 'string' || !oidc) {
    throw new CheckError('trusted publishing: GitHub Actions returned no OIDC token; does the job have "permissions: id-token: write"?');
  }
  deps.secret(oidc);

  assertCredentialsAllowed(mintUrl, 'an OIDC token');
  const body = Buffer.from(JSON.stringify({ token: oidc }), 'utf8');
  const res = await send(deps, {
    method: 'POST',
    url: mintUrl,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
    maxBodyBytes: MAX_JSON,
  }, 'an upload token');
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch {
    doc = undefined;
  }
  if (res.status !== 200) {
    throw new CheckError(`trusted publishing: ${sanitizeUrl(mintUrl)} refused the token exchange (${res.status}): ${mintErrors(doc) || responseReason(res)}`);
  }
  const token = (doc as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string' || !token) {
    throw new CheckError(`trusted publishing: ${sanitizeUrl(mintUrl)} answered 200 without a token`);
  }
  deps.secret(token);
  return token;
}

/** The index's `errors` list as "code: description; ..." (bounded), or "" if it gave none. */
export function mintErrors(doc: unknown): string {
  const errors = (doc as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) {
    const msg = (doc as { message?: unknown } | undefined)?.message;
    return typeof msg === 'string' ? oneLine(msg, 300) : '';
  }
  const items = errors.slice(0, 8).map((e) => {
    const code = typeof e?.code === 'string' ? e.code : 'error';
    const desc = typeof e?.description === 'string' ? e.description : '';
    return desc ? `${code}: ${desc}` : code;
  });
  return oneLine(items.join('; '), 600);
}

async function send(deps: TrustedPublishingDeps, opts: HttpRequestOptions, what: string): Promise<HttpResponse> {
  let res: HttpResponse;
  try {
    res = await deps.send({ tls: deps.tls, timeoutMs: 30_000, ...opts });
  } catch (e) {
    if (e instanceof NetworkError) throw new CheckError(`trusted publishing: cannot get ${what}: ${e.message}`, { cause: e });
    throw e;
  }
  if (res.status >= 300 && res.status < 400) {
    throw new UsageError(`trusted publishing: ${sanitizeUrl(opts.url)} redirected to ${String(res.headers.location ?? '?')}; redirects are not followed`);
  }
  return res;
}

async function getJson(deps: TrustedPublishingDeps, url: URL, headers: Record<string, string>, what: string): Promise<unknown> {
  const res = await send(deps, { method: 'GET', url, headers: { accept: 'application/json', ...headers }, maxBodyBytes: MAX_JSON }, what);
  if (res.status !== 200) {
    throw new CheckError(`trusted publishing: cannot get ${what}: ${sanitizeUrl(url)} answered ${res.status} ${responseReason(res)}`);
  }
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new CheckError(`trusted publishing: ${sanitizeUrl(url)} did not return JSON`);
  }
}
