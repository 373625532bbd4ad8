// .pypirc, read the way twine reads it: Python's RawConfigParser (strict, no interpolation, no inline
// comments, keys case-insensitive) and twine's utils.get_config rules for index-servers and defaults.
// https://packaging.python.org/specifications/pypirc/

import { InputError } from '../errors.ts';

/** The upload URL of PyPI (twine's DEFAULT_REPOSITORY). */
export const PYPI_UPLOAD_URL = 'https://upload.pypi.org/legacy/';
/** The upload URL of TestPyPI (twine's TEST_REPOSITORY). */
export const TESTPYPI_UPLOAD_URL = 'https://test.pypi.org/legacy/';

/** Largest .pypirc we read; a real one is a few hundred bytes. */
export const MAX_PYPIRC_BYTES = 1 << 20;

/** An INI file as sections of lowercased keys; `defaults` is the [DEFAULT] section. */
export interface IniFile {
  sections: Map<string, Map<string, string>>;
  defaults: Map<string, string>;
}

/** One repository's settings, as twine's RepositoryConfig (absent keys are undefined). */
export interface RepositoryConfig {
  repository?: string;
  username?: string;
  password?: string;
  ca_cert?: string;
  client_cert?: string;
}

const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*([=:])\s*(.*)$/;

/**
 * Parses INI text like Python's RawConfigParser with default settings: `[section]` headers, `key = value`
 * or `key: value` (first delimiter wins), keys lowercased, values stripped, `#`/`;` full-line comments,
 * lines indented deeper than their key continue its value (joined with "\n", blank lines kept inside,
 * trailing ones dropped), no interpolation and no inline comments (a `#` inside a password is part of
 * it). Duplicate sections or keys, settings before any section and lines without a delimiter are
 * InputErrors naming `source` and the line, where Python raises for them.
 */
export function parseIni(text: string, source: string): IniFile {
  const sections = new Map<string, Map<string, string>>();
  const defaults = new Map<string, string>();
  let current: Map<string, string> | undefined;
  let currentName = '';
  let lastKey: string | undefined;
  let indentLevel = 0;
  const values = new Map<Map<string, string>, Map<string, string[]>>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const fail = (n: number, why: string) => new InputError(`${source} line ${n}: ${why}`);

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const n = i + 1;
    const stripped = raw.trim();
    if (stripped.startsWith('#') || stripped.startsWith(';')) continue;
    if (stripped === '') {
      if (current && lastKey !== undefined) values.get(current)!.get(lastKey)!.push('');
      continue;
    }
    const indent = raw.length - raw.trimStart().length;
    if (current && lastKey !== undefined && indent > indentLevel) {
      values.get(current)!.get(lastKey)!.push(stripped);
      continue;
    }
    indentLevel = indent;
    const sec = SECTION.exec(stripped);
    if (sec) {
      const name = sec[1];
      if (name === 'DEFAULT') {
        current = defaults;
      } else {
        if (sections.has(name)) throw fail(n, `section [${name}] appears twice`);
        current = new Map();
        sections.set(name, current);
      }
      if (!values.has(current)) values.set(current, new Map());
      currentName = name;
      lastKey = undefined;
      continue;
    }
    if (!current) throw fail(n, 'expected a [section] header before any setting');
    const opt = OPTION.exec(stripped);
    if (!opt || opt[1] === '') throw fail(n, `expected "key = value" in [${currentName}]`);
    const key = opt[1].toLowerCase();
    const vals = values.get(current)!;
    if (vals.has(key)) throw fail(n, `key "${key}" appears twice in [${currentName}]`);
    vals.set(key, [opt[3].trim()]);
    lastKey = key;
  }
  for (const [section, vals] of values) {
    for (const [key, parts] of vals) section.set(key, parts.join('\n').trimEnd());
  }
  return { sections, defaults };
}

/** A key of `section`, falling back to [DEFAULT] as RawConfigParser.get does; undefined when absent. */
export function iniGet(ini: IniFile, section: string, key: string): string | undefined {
  const s = ini.sections.get(section);
  if (!s) return undefined;
  return s.get(key) ?? ini.defaults.get(key);
}

/**
 * The repositories a .pypirc defines, by twine's rules (utils.get_config): `[distutils] index-servers`
 * (default "pypi testpypi") lists them; `pypi` always exists with PyPI's URL, `testpypi` gets TestPyPI's
 * URL when listed; `[server-login]` username/password are every repository's defaults; each listed
 * section may set repository, username, password, ca_cert, client_cert. `ini` undefined means no file.
 */
export function repositoriesFromIni(ini: IniFile | undefined): Map<string, RepositoryConfig> {
  const base: RepositoryConfig = {};
  if (ini) {
    const u = iniGet(ini, 'server-login', 'username');
    const p = iniGet(ini, 'server-login', 'password');
    if (u !== undefined) base.username = u;
    if (p !== undefined) base.password = p;
  }
  const servers = (ini ? iniGet(ini, 'distutils', 'index-servers') ?? 'pypi testpypi' : 'pypi testpypi')
    .split(/\s+/)
    .filter(Boolean);
  const out = new Map<string, RepositoryConfig>();
  const entry = (name: string) => {
    let e = out.get(name);
    if (!e) {
      e = { ...base };
      out.set(name, e);
    }
    return e;
  };
  entry('pypi').repository = PYPI_UPLOAD_URL;
  if (servers.includes('testpypi')) entry('testpypi').repository = TESTPYPI_UPLOAD_URL;
  for (const name of servers) {
    const e = entry(name);
    if (!ini || !ini.sections.has(name)) continue;
    for (const key of ['username', 'repository', 'password', 'ca_cert', 'client_cert'] as const) {
      const v = iniGet(ini, name, key);
      if (v !== undefined) e[key] = v;
    }
  }
  return out;
}
