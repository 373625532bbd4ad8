// Typed access to parsed TOML and JSON values. Lock files are untrusted: every field is checked
// for its type before use, and a wrong type is an InputError that says where and which field.

import { InputError } from '../../errors.ts';

/** A TOML table or JSON object: a plain object (smol-toml makes null-prototype ones). */
export type Table = { [key: string]: unknown };

/** Whether `v` is a table/object (not an array, date or other class instance). */
export function isTable(v: unknown): v is Table {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

/** The own property `key` of `t` (never an inherited one such as `constructor`). */
export function field(t: Table, key: string): unknown {
  return Object.hasOwn(t, key) ? t[key] : undefined;
}

/** `t[key]` when it is a string; undefined when absent; InputError (starting with `where`) otherwise. */
export function optString(t: Table, key: string, where: string): string | undefined {
  const v = field(t, key);
  if (v === undefined || typeof v === 'string') return v;
  throw new InputError(`${where}: "${key}" must be a string`);
}

/** `t[key]` when it is a table; undefined when absent; InputError otherwise. */
export function optTable(t: Table, key: string, where: string): Table | undefined {
  const v = field(t, key);
  if (v === undefined || isTable(v)) return v;
  throw new InputError(`${where}: "${key}" must be a table`);
}

/** `t[key]` when it is an array; undefined when absent; InputError otherwise. */
export function optArray(t: Table, key: string, where: string): unknown[] | undefined {
  const v = field(t, key);
  if (v === undefined || Array.isArray(v)) return v;
  throw new InputError(`${where}: "${key}" must be an array`);
}

/** `t[key]` as a file size: a non-negative safe integer; undefined when absent; InputError otherwise. */
export function optSize(t: Table, key: string, where: string): number | undefined {
  const v = field(t, key);
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  throw new InputError(`${where}: "${key}" must be a non-negative integer`);
}

/** A short quoted rendering of an untrusted string for a one-line message. */
export function quote(s: string, max = 80): string {
  // JSON.stringify escapes control characters but leaves U+2028/U+2029 as they are.
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}...` : s).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** A short rendering of any parsed value for a message: quoted scalars, the type of anything else. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' && v !== null ? 'a table' : typeof v;
}

/**
 * `s` with control and line-separator characters escaped (a newline as `\u000a`) and cut to `max`
 * characters: safe to put inside a one-line message.
 */
export function clean(s: string, max = 200): string {
  const t = s.length > max ? `${s.slice(0, max)}...` : s;
  return t.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
