// Keeps secrets out of everything we print: passwords, API tokens, OIDC tokens and the Basic
// authorization value built from them. Every line of upload output passes through a Redactor.

/** Replaces secrets in text; `add` registers one more secret (a token minted during the run). */
export interface Redactor {
  redact(text: string): string;
  add(secret: string | undefined): void;
}

/** What a redacted secret is shown as. */
export const REDACTED = '<redacted>';

/**
 * Secrets shorter than this are not searched for: replacing every "abc" in the output would mangle it,
 * and such values are never printed by us in the first place (redaction is the second line of defence).
 */
export const MIN_SECRET_LENGTH = 6;

// PyPI API tokens (macaroons) look like pypi-AgEIcHlwaS5vcmc...; redacted even when we never saw them
// (a token echoed back by a server, or pasted into a URL).
const PYPI_TOKEN = /pypi-[A-Za-z0-9_\-]{8,}={0,2}/g;
// Bearer/Basic values in dumped headers.
const AUTH_HEADER = /\b(authorization\s*:\s*(?:basic|bearer|token)\s+)\S+/gi;

/**
 * Returns a Redactor that hides each given secret (and its base64 form inside a Basic header),
 * every PyPI token, and authorization header values. The invariant: no registered secret of at
 * least MIN_SECRET_LENGTH characters and no `pypi-` token survives `redact`.
 */
export function makeRedactor(secrets: Array<string | undefined> = []): Redactor {
  const list: string[] = [];
  const add = (s: string | undefined) => {
    if (!s || s.length < MIN_SECRET_LENGTH || list.includes(s)) return;
    list.push(s);
    // Longest first, so a secret containing another is replaced whole.
    list.sort((a, b) => b.length - a.length);
  };
  for (const s of secrets) add(s);
  return {
    add,
    redact(text: string): string {
      let out = text;
      for (const s of list) out = out.split(s).join(REDACTED);
      out = out.replace(PYPI_TOKEN, `pypi-${REDACTED}`);
      out = out.replace(AUTH_HEADER, `$1${REDACTED}`);
      return out;
    },
  };
}

/** Registers the Basic-auth form of a user name and password, so a dumped header cannot leak them. */
export function addBasicAuth(r: Redactor, username: string | undefined, password: string | undefined): void {
  if (password === undefined) return;
  r.add(password);
  r.add(Buffer.from(`${username ?? ''}:${password}`, 'utf8').toString('base64'));
}
