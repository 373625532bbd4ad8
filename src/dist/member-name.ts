// Archive member names: what a safe one looks like. We never extract, but a name that could
// escape the extraction directory (or means different things to different unpackers) marks
// the archive as broken or hostile, and installers would refuse it too.

import { InputError } from '../errors.ts';

/**
 * Returns `name` as path components (no empty or `.` components; a trailing `/` for directories
 * is dropped; `./` itself, the archive root, gives none), or throws InputError naming `archive`
 * when the name is empty, absolute (`/x`, `C:x`), contains a `..` component, a backslash, or a
 * control character.
 */
export function memberPath(archive: string, name: string): string[] {
  const bad = (why: string) =>
    new InputError(`${archive}: archive member ${JSON.stringify(name)} ${why}; the archive is broken or hostile`);
  if (name.length === 0) throw bad('has an empty name');
  if (name.includes('\\')) throw bad('contains a backslash');
  if (/[\u0000-\u001f\u007f]/.test(name)) throw bad('contains a control character');
  if (name.startsWith('/')) throw bad('is an absolute path');
  if (/^[A-Za-z]:/.test(name)) throw bad('starts with a drive letter');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad('has a ".." component');
  return parts;
}
