// The per-user directories distsum keeps files in, following the XDG Base Directory spec:
// configuration (trust policies, log settings), cache (tiles, lookup proofs, manifests: safe to
// delete) and state (the latest verified checkpoint of each log: NOT safe to delete, because it is
// what lets a client notice a log that rewrites history). Pure: the environment is passed in.

import { isAbsolute, join } from 'node:path';

/** The three distsum directories of one user; all absolute. */
export interface UserDirs {
  /** $XDG_CONFIG_HOME/distsum, default ~/.config/distsum. */
  config: string;
  /** $XDG_CACHE_HOME/distsum, default ~/.cache/distsum. */
  cache: string;
  /** $XDG_STATE_HOME/distsum, default ~/.local/state/distsum. */
  state: string;
}

// The spec says a relative path in these variables is invalid and must be ignored.
function base(env: NodeJS.ProcessEnv, name: string, home: string, fallback: string[]): string {
  const v = env[name];
  return v !== undefined && v !== '' && isAbsolute(v) ? v : join(home, ...fallback);
}

/**
 * distsum's directories for the user whose environment is `env`. `home` is used where a variable
 * is unset, empty or relative; it defaults to $HOME, and callers pass os.homedir() when $HOME may
 * be unset. Throws nothing; the directories need not exist.
 */
export function userDirs(env: NodeJS.ProcessEnv, home: string = env.HOME ?? '/'): UserDirs {
  return {
    config: join(base(env, 'XDG_CONFIG_HOME', home, ['.config']), 'distsum'),
    cache: join(base(env, 'XDG_CACHE_HOME', home, ['.cache']), 'distsum'),
    state: join(base(env, 'XDG_STATE_HOME', home, ['.local', 'state']), 'distsum'),
  };
}
