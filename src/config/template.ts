// URL templates of trust policies: where a project's release manifest (and its signature) lives,
// with {name} and {version} filled in per release. Which URLs distsum may fetch: file:// and
// https://, and plain http:// only to the loopback interface (a local mirror or a test server);
// anything else would let a network attacker substitute the manifest.

/** Longest URL template accepted, in characters. */
export const MAX_TEMPLATE_LENGTH = 2048;

/** Placeholders a template may use. */
export const TEMPLATE_VARIABLES = ['name', 'version'] as const;

/** Values substituted into a template. */
export interface TemplateVars {
  /** The project name as in distribution file names (PEP 625: normalized, `-` as `_`). */
  name: string;
  /** The release version as the lock or file name gives it. */
  version: string;
}

// A name or version that is safe to put into a URL path without escaping: PEP 440 versions and
// PEP 625 names only ever use these characters.
const SAFE_VALUE = /^[A-Za-z0-9][A-Za-z0-9._+!-]{0,127}$/;

/** True for localhost and loopback addresses (127.0.0.0/8, ::1), as a URL's hostname spells them. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(hostname);
}

/**
 * Why distsum must not fetch `url`, or undefined when it may: it must parse, use file:, https: or
 * http: to a loopback host, and carry no user name or password.
 */
export function urlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${JSON.stringify(url.slice(0, 200))} is not a URL`;
  }
  if (u.username !== '' || u.password !== '') return `${u.protocol}//${u.host}: URLs with credentials are refused`;
  if (u.protocol === 'https:' || u.protocol === 'file:') return undefined;
  if (u.protocol === 'http:') {
    return isLoopbackHost(u.hostname) ? undefined : `plain http:// is only allowed to loopback addresses; use https://${u.host}${u.pathname}`;
  }
  return `${u.protocol} URLs are not supported (use https:// or file://)`;
}

/**
 * Why `template` is not a usable URL template, or undefined: non-empty, at most
 * MAX_TEMPLATE_LENGTH characters, braces only in {name} and {version}, and, with sample values
 * filled in, a URL that urlProblem accepts.
 */
export function templateProblem(template: string): string | undefined {
  if (typeof template !== 'string' || template.length === 0) return 'the URL template is empty';
  if (template.length > MAX_TEMPLATE_LENGTH) return `the URL template is longer than ${MAX_TEMPLATE_LENGTH} characters`;
  if (/[\u0000-\u0020\u007f]/.test(template)) return 'the URL template contains spaces or control characters';
  const stripped = template.replace(/\{(name|version)\}/g, '');
  const stray = /\{[^}]*\}?|\}/.exec(stripped);
  if (stray) return `unknown placeholder ${JSON.stringify(stray[0].slice(0, 40))} in the URL template (use {name} and {version})`;
  return urlProblem(expandTemplate(template, { name: 'example_pkg', version: '1.0.0' }));
}

/**
 * `template` with every {name} and {version} replaced. Throws RangeError when a value is not a
 * plain name or version (it could otherwise change the URL's path or host); callers check
 * `templateValueProblem` first to report that nicely.
 */
export function expandTemplate(template: string, vars: TemplateVars): string {
  for (const k of TEMPLATE_VARIABLES) {
    if (!SAFE_VALUE.test(vars[k])) throw new RangeError(`template value ${k}=${JSON.stringify(vars[k].slice(0, 80))} is not a plain name or version`);
  }
  return template.replace(/\{(name|version)\}/g, (_, k: 'name' | 'version') => vars[k]);
}

/** Why `value` cannot fill a template placeholder, or undefined when it can. */
export function templateValueProblem(what: string, value: string): string | undefined {
  return SAFE_VALUE.test(value) ? undefined : `${what} ${JSON.stringify(value.slice(0, 80))} cannot be put into a URL`;
}
