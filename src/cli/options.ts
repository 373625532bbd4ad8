// Option value parsers shared by commands (commander calls them with the raw string).

import { InvalidArgumentError } from 'commander';

/** Parses a positive decimal integer option such as `--jobs 4`. */
export function parsePositiveInt(value: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}
