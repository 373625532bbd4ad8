// Where to upload and as whom, resolved exactly as twine resolves it: command line, then TWINE_*
// environment variables, then .pypirc; `--repository-url` (or TWINE_REPOSITORY_URL) overrides
// `--repository` and then no .pypirc entry is used; PyPI and TestPyPI default to the user `__token__`.

import { UsageError } from '../errors.ts';
import { PYPI_UPLOAD_URL, TESTPYPI_UPLOAD_URL, repositoriesFromIni, type IniFile, type RepositoryConfig } from './pypirc.ts';
import { parseHttpUrl, sanitizeUrl } from './transport.ts';

/** Upload settings given on the command line (undefined = not given). */
export interface TargetFlags {
  repository?: string;
  repositoryUrl?: string;
  username?: string;
  password?: string;
  cert?: string;
  clientCert?: string;
  nonInteractive?: boolean;
}

/** Where a setting came from, for --verbose. */
export type Source = 'command line' | 'environment' | 'config file' | 'repository URL' | 'default' | 'prompt' | 'trusted publishing';

/** The repository and what is known of the credentials before any prompt or token exchange. */
export interface Target {
  /** The upload URL without user information. */
  url: URL;
  /** The repository's name when it came from .pypirc (or the built-in pypi/testpypi). */
  name?: string;
  username?: string;
  usernameSource?: Source;
  password?: string;
  passwordSource?: Source;
  /** Path of a CA bundle (--cert, TWINE_CERT, ca_cert). */
  caCert?: string;
  /** Path of a client certificate PEM (--client-cert, client_cert). */
  clientCert?: string;
  nonInteractive: boolean;
  /** PyPI or TestPyPI: trusted publishing and the `__token__` default apply. */
  isPyPI: boolean;
}

/** Loads .pypirc: undefined when the default file does not exist; errors when an explicit one is missing. */
export type LoadConfig = () => Promise<IniFile | undefined>;

/** Hosts twine forces to https (utils.normalize_repository_url). */
const PYPI_HOSTS = new Set(['pypi.python.org', 'testpypi.python.org', 'upload.pypi.org', 'test.pypi.org']);

/**
 * twine's EnvironmentFlag: set unless empty or one of 0/false/no (any case).
 */
export function envFlag(value: string | undefined): boolean {
  return !!value && !['0', 'false', 'no'].includes(value.toLowerCase());
}

/** An environment variable's value, treating an empty one as unset (a missing CI secret expands to ""). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Resolves the repository and the credentials known without asking anyone. Precedence per setting:
 * command line, then environment (TWINE_*), then .pypirc (only when the repository was chosen by name).
 * The user name defaults to `__token__` for PyPI and TestPyPI. .pypirc is loaded only when needed.
 * Errors are UsageErrors naming the setting.
 */
export async function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv, loadConfig: LoadConfig): Promise<Target> {
  const fromFlagOrEnv = (flag: string | undefined, name: string): [string | undefined, Source | undefined] =>
    flag !== undefined ? [flag, 'command line'] : envValue(env, name) !== undefined ? [envValue(env, name), 'environment'] : [undefined, undefined];

  const [repoUrlText] = fromFlagOrEnv(flags.repositoryUrl, 'TWINE_REPOSITORY_URL');
  const [repoName] = fromFlagOrEnv(flags.repository, 'TWINE_REPOSITORY');

  let config: RepositoryConfig;
  let configSource: Source;
  let name: string | undefined;
  if (repoUrlText !== undefined) {
    const u = parseHttpUrl(repoUrlText, '--repository-url');
    config = { repository: repoUrlText };
    if (u.username) config.username = decodeURIComponent(u.username);
    if (u.password) config.password = decodeURIComponent(u.password);
    configSource = 'repository URL';
  } else {
    name = repoName ?? 'pypi';
    const repos = repositoriesFromIni(await loadConfig());
    const c = repos.get(name);
    if (!c) {
      throw new UsageError(
        `no repository "${name}" in the .pypirc file: add it to [distutils] index-servers with a [${name}] section, or pass --repository-url (https://packaging.python.org/specifications/pypirc/)`,
      );
    }
    if (!c.repository) throw new UsageError(`repository "${name}" in the .pypirc file has no "repository" URL`);
    config = c;
    configSource = 'config file';
  }

  const url = normalizeRepositoryUrl(parseHttpUrl(config.repository!, name ? `the URL of repository "${name}"` : '--repository-url'));
  if (/^(https?:\/\/)(test)?pypi\.python\.org\//.test(url.toString())) {
    throw new UsageError(
      `${sanitizeUrl(url)} no longer takes uploads; use ${PYPI_UPLOAD_URL} (or ${TESTPYPI_UPLOAD_URL} for TestPyPI)`,
    );
  }
  // Credentials in the URL are used as config values (twine's _config_from_repository_url) and then removed.
  if (configSource === 'config file') {
    if (url.username && config.username === undefined) config = { ...config, username: decodeURIComponent(url.username) };
    if (url.password && config.password === undefined) config = { ...config, password: decodeURIComponent(url.password) };
  }
  url.username = '';
  url.password = '';
  const isPyPI = url.toString().startsWith(PYPI_UPLOAD_URL) || url.toString().startsWith(TESTPYPI_UPLOAD_URL);

  const target: Target = { url, nonInteractive: flags.nonInteractive || envFlag(env.TWINE_NON_INTERACTIVE), isPyPI };
  if (name !== undefined) target.name = name;

  const [u, uSrc] = fromFlagOrEnv(flags.username, 'TWINE_USERNAME');
  if (u !== undefined) [target.username, target.usernameSource] = [u, uSrc];
  else if (config.username !== undefined) [target.username, target.usernameSource] = [config.username, configSource];
  else if (isPyPI) [target.username, target.usernameSource] = ['__token__', 'default'];

  const [p, pSrc] = fromFlagOrEnv(flags.password, 'TWINE_PASSWORD');
  if (p !== undefined) [target.password, target.passwordSource] = [p, pSrc];
  else if (config.password !== undefined) [target.password, target.passwordSource] = [config.password, configSource];

  const [cert] = fromFlagOrEnv(flags.cert, 'TWINE_CERT');
  const ca = cert ?? config.ca_cert;
  if (ca !== undefined) target.caCert = ca;
  const cc = flags.clientCert ?? config.client_cert;
  if (cc !== undefined) target.clientCert = cc;
  return target;
}

/** twine's normalize_repository_url: PyPI's own hosts are always reached over https. */
export function normalizeRepositoryUrl(url: URL): URL {
  const u = new URL(url.toString());
  if (PYPI_HOSTS.has(u.host) && u.protocol === 'http:') return new URL('https:' + u.toString().slice('http:'.length));
  return u;
}

/** Asks the user for a value; `hidden` means the terminal must not echo it. */
export type Prompt = (question: string, opts: { hidden: boolean }) => Promise<string>;

/** Ways of completing credentials that are still missing after resolveTarget. */
export interface CredentialDeps {
  /** A terminal prompt, or undefined when none may be shown (not a terminal, or non-interactive). */
  prompt?: Prompt;
  /** Mints a token by trusted publishing, or undefined when not running where that is possible. */
  trustedPublishing?: () => Promise<string>;
}

/**
 * Fills in missing credentials: trusted publishing first (when the password is missing and the user is
 * `__token__` or unset, and a minting function is given), then the prompt (user name shown, password
 * hidden), else a UsageError that says how to provide them. Explicitly empty values (`-p ""`) are kept.
 */
export async function completeCredentials(target: Target, deps: CredentialDeps): Promise<Target> {
  const t = { ...target };
  if (t.password === undefined && (t.username === undefined || t.username === '__token__') && deps.trustedPublishing) {
    t.password = await deps.trustedPublishing();
    t.passwordSource = 'trusted publishing';
    t.username = '__token__';
    t.usernameSource ??= 'default';
    return t;
  }
  const where = t.name ? `[${t.name}] in .pypirc` : 'the repository URL';
  if (t.username === undefined) {
    if (!deps.prompt) throw new UsageError(`no user name for ${sanitizeUrl(t.url)}: pass -u/--username, set TWINE_USERNAME, or add "username" to ${where}`);
    t.username = await deps.prompt('Enter your username: ', { hidden: false });
    t.usernameSource = 'prompt';
  }
  if (t.password === undefined) {
    if (!deps.prompt) {
      throw new UsageError(
        `no password or API token for ${sanitizeUrl(t.url)}: pass -p/--password, set TWINE_PASSWORD, add "password" to ${where}, or use trusted publishing`,
      );
    }
    const what = t.username === '__token__' ? 'API token' : 'password';
    t.password = await deps.prompt(`Enter your ${what}: `, { hidden: true });
    t.passwordSource = 'prompt';
  }
  return t;
}
