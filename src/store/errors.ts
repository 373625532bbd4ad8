// Errors a log store throws. Each message names the store file and says what to do about it.

import { InputError, UsageError } from '../errors.ts';

/** There is no store where one was expected (log not initialized, wrong --data). Exit 2. */
export class StoreMissingError extends UsageError {}

/** The file is not a distsum log store, or it is damaged. Exit 2. */
export class StoreCorruptError extends InputError {}

/** A write would break a store invariant (second entry for a file name, second checkpoint of a size). Exit 2. */
export class StoreConflictError extends InputError {}

/** Another writer holds the log's writer lock. Exit 2. */
export class WriterLockedError extends UsageError {}

/** Any other failure of the storage engine (disk full, permissions, I/O error). Exit 2. */
export class StoreIOError extends InputError {}
