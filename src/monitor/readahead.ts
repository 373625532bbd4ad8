// Reading what many items need from the store in a few large reads instead of one small read per
// item: the values for a list of keys are loaded a chunk at a time, one chunk ahead of the items
// being worked on, and dropped once handed out, so memory stays at about two chunks.

/** Hands out the value of keys[i]; see readAhead. */
export type ReadAhead<V> = (i: number) => Promise<V>;

/**
 * Values of `keys`, loaded by `load` (which returns one value per key, in order) `chunk` keys at a
 * time. take(i) resolves with the value of keys[i] and starts loading the next chunk, so callers
 * taking keys in increasing order rarely wait. Each index may be taken once: its value is dropped
 * when handed out, and a chunk once all its values were. A failed load rejects every take of its
 * chunk (never an unhandled rejection).
 */
export function readAhead<K, V>(keys: readonly K[], chunk: number, load: (keys: K[]) => Promise<V[]>): ReadAhead<V> {
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`read-ahead chunk must be an integer >= 1, got ${chunk}`);
  const chunks = new Map<number, { values: Promise<(V | undefined)[]>; left: number }>();

  function start(c: number): { values: Promise<(V | undefined)[]>; left: number } | undefined {
    const from = c * chunk;
    if (from >= keys.length) return undefined;
    let got = chunks.get(c);
    if (got === undefined) {
      const part = keys.slice(from, from + chunk);
      const values: Promise<(V | undefined)[]> = load(part).then((vs) => {
        if (vs.length !== part.length) throw new Error(`read-ahead: ${vs.length} values loaded for ${part.length} keys`);
        return vs;
      });
      values.catch(() => undefined);
      got = { values, left: part.length };
      chunks.set(c, got);
    }
    return got;
  }

  // Not an async function: one promise per take, not two (a backfill takes one per project).
  return (i) => {
    if (!Number.isInteger(i) || i < 0 || i >= keys.length) return Promise.reject(new RangeError(`read-ahead: no key ${i}`));
    const c = Math.floor(i / chunk);
    let got;
    try {
      got = start(c)!;
      start(c + 1);
    } catch (e) {
      // A load that throws at once fails like one that rejects.
      return Promise.reject(e);
    }
    if (--got.left === 0) chunks.delete(c);
    const at = i - c * chunk;
    return got.values.then((values) => {
      const v = values[at] as V;
      values[at] = undefined;
      return v;
    });
  };
}
