import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userDirs } from '../../src/config/xdg.ts';

test('defaults follow the XDG base directory spec under HOME', () => {
  assert.deepEqual(userDirs({ HOME: '/home/ann' }), {
    config: '/home/ann/.config/distsum',
    cache: '/home/ann/.cache/distsum',
    state: '/home/ann/.local/state/distsum',
  });
});

test('absolute XDG variables win; relative and empty ones are ignored as the spec says', () => {
  const d = userDirs({ HOME: '/h', XDG_CONFIG_HOME: '/cfg', XDG_CACHE_HOME: 'relative/cache', XDG_STATE_HOME: '' });
  assert.equal(d.config, '/cfg/distsum');
  assert.equal(d.cache, '/h/.cache/distsum');
  assert.equal(d.state, '/h/.local/state/distsum');
});

test('an explicit home is used when HOME is unset', () => {
  assert.equal(userDirs({}, '/root').state, '/root/.local/state/distsum');
});

test('state and cache are different directories, so clearing the cache keeps the state', () => {
  const d = userDirs({ HOME: '/h', XDG_CACHE_HOME: '/x', XDG_STATE_HOME: '/x' });
  assert.equal(d.cache, '/x/distsum');
  assert.equal(d.state, '/x/distsum');
  const def = userDirs({ HOME: '/h' });
  assert.notEqual(def.cache, def.state);
  assert.ok(!def.state.startsWith(def.cache));
});
