// Finding and combining configuration: the project's distsum.toml (nearest to the lock file or the
// working directory), the user's ~/.config/distsum/config.toml, and the environment
// (DISTSUM_LOG, DISTSUM_LOG_KEY), in increasing order of precedence.

import { stat } from 'node:fs/promises';
import { dirname, join, parse as parsePath } from 'node:path';
import { InputError, errorMessage } from '../errors.ts';
import { readBounded } from '../readbounded.ts';
import { MAX_CONFIG_BYTES, parseConfig } from './config.ts';
import type { ConfigFile, LogSettings, TrustPolicy } from './config.ts';
import type { UserDirs } from './xdg.ts';

/** The project configuration file name. */
export const PROJECT_CONFIG_NAME = 'distsum.toml';

/** Environment variable overriding [log] url. */
export const LOG_URL_ENV = 'DISTSUM_LOG';

/** Environment variable overriding [log] key. */
export const LOG_KEY_ENV = 'DISTSUM_LOG_KEY';

/** The user's configuration file: <config dir>/config.toml. */
export function userConfigPath(dirs: UserDirs): string {
  return join(dirs.config, 'config.toml');
}

// Directories above which the search for distsum.toml stops: a repository root or the home
// directory (a distsum.toml in a shared parent such as /tmp must not steer every project below it).
async function isBoundary(dir: string, home: string | undefined): Promise<boolean> {
  if (home !== undefined && dir === home) return true;
  try {
    await stat(join(dir, '.git'));
    return true;
  } catch {
    return false;
  }
}

// Only files of this user (or root) count: another user's distsum.toml could name another log.
function ownedByUs(uid: number): boolean {
  const me = process.getuid?.();
  return me === undefined || uid === me || uid === 0;
}

/**
 * The nearest distsum.toml at or above `startDir` (absolute): `startDir` itself, then each parent,
 * stopping after a directory that holds `.git` or is `home`, and at the file system root. Files
 * owned by another user are skipped. Undefined when there is none.
 */
export async function findProjectConfig(startDir: string, home?: string): Promise<string | undefined> {
  let dir = startDir;
  for (let depth = 0; depth < 256; depth++) {
    const candidate = join(dir, PROJECT_CONFIG_NAME);
    try {
      const s = await stat(candidate);
      if (s.isFile() && ownedByUs(s.uid)) return candidate;
    } catch {
      // not here
    }
    if ((await isBoundary(dir, home)) || dir === parsePath(dir).root) return undefined;
    dir = dirname(dir);
  }
  return undefined;
}

/** The text of a configuration file, or undefined when it does not exist. InputError when unreadable or too large. */
export async function readConfigText(path: string): Promise<string | undefined> {
  const tooLarge = (p: string, max: number) => new InputError(`${p} is larger than ${max} bytes`);
  let buf: Uint8Array | undefined;
  try {
    buf = await readBounded(path, MAX_CONFIG_BYTES, { what: 'configuration file', tooLarge });
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    throw new InputError(code === 'EISDIR' ? `${path} is not a file` : `cannot read ${path}: ${code ?? errorMessage(e)}`);
  }
  if (buf === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new InputError(`${path} is not UTF-8 text`);
  }
}

/** Reads and parses a configuration file; undefined when it does not exist. */
export async function readConfigFile(path: string): Promise<ConfigFile | undefined> {
  const text = await readConfigText(path);
  return text === undefined ? undefined : parseConfig(text, path);
}

/** A trust policy and the file it came from. */
export interface SourcedPolicy extends TrustPolicy {
  source: string;
}

/** The configuration in effect: where [log] came from, whether verify is strict, and every policy. */
export interface EffectiveConfig {
  log: LogSettings;
  /** Where each [log] setting came from: a file path or an environment variable name. */
  logSource: { url?: string; key?: string };
  strict: boolean;
  trust: Map<string, SourcedPolicy>;
  /** The configuration files read, most specific first. */
  files: string[];
}

/**
 * Combines the user's and the project's configuration and the environment. [log] is taken whole
 * from the project file when it sets url or key (a url from one file and a key from another would
 * pair a log with a key it does not have), else from the user file; then $DISTSUM_LOG and
 * $DISTSUM_LOG_KEY override url and key. Policies: the project's win over the user's for the same
 * project. strict: the project's setting, else the user's, else false.
 */
export function mergeConfig(user: ConfigFile | undefined, project: ConfigFile | undefined, env: NodeJS.ProcessEnv): EffectiveConfig {
  const fromProject = project !== undefined && (project.log.url !== undefined || project.log.key !== undefined);
  const logFile = fromProject ? project : user;
  const log: LogSettings = { ...(logFile?.log ?? {}) };
  const logSource: { url?: string; key?: string } = {};
  if (log.url !== undefined) logSource.url = logFile!.path;
  if (log.key !== undefined) logSource.key = logFile!.path;
  const envUrl = env[LOG_URL_ENV];
  if (envUrl) {
    log.url = envUrl;
    logSource.url = LOG_URL_ENV;
  }
  const envKey = env[LOG_KEY_ENV];
  if (envKey) {
    log.key = envKey;
    logSource.key = LOG_KEY_ENV;
  }
  const trust = new Map<string, SourcedPolicy>();
  for (const file of [user, project]) {
    if (file === undefined) continue;
    for (const [name, p] of file.trust) trust.set(name, { ...p, source: file.path });
  }
  return {
    log,
    logSource,
    strict: project?.strict ?? user?.strict ?? false,
    trust,
    files: [project?.path, user?.path].filter((p): p is string => p !== undefined),
  };
}

/**
 * Loads the configuration for a run whose inputs are in `startDir`: the nearest project file (or
 * `explicit`, which must exist), the user's file, the environment.
 */
export async function loadConfig(opts: { startDir: string; dirs: UserDirs; env: NodeJS.ProcessEnv; home?: string; explicit?: string }): Promise<EffectiveConfig> {
  let projectPath: string | undefined;
  if (opts.explicit !== undefined) {
    projectPath = opts.explicit;
  } else {
    projectPath = await findProjectConfig(opts.startDir, opts.home);
  }
  const project = projectPath === undefined ? undefined : await readConfigFile(projectPath);
  if (opts.explicit !== undefined && project === undefined) throw new InputError(`configuration file ${opts.explicit} does not exist`);
  const user = await readConfigFile(userConfigPath(opts.dirs));
  return mergeConfig(user, project, opts.env);
}
