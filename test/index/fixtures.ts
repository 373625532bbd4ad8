// Loads the real PyPI responses in ../shared/fixtures/pypi (read-only; never copied or edited).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The fixtures root. */
export const PYPI_FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures/pypi');
/** Real wheels. */
export const DISTS = resolve(import.meta.dirname, '../../../shared/fixtures/dists');

/** The bytes of a fixture file, e.g. fixture('simple-html/black.html'). */
export function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(PYPI_FIXTURES, path)));
}

/** A fixture file parsed as JSON by JSON.parse (not by the code under test). */
export function fixtureJson(path: string): unknown {
  return JSON.parse(readFileSync(join(PYPI_FIXTURES, path), 'utf8'));
}
