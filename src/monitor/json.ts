// JSON text written out piece by piece, equal to what JSON.stringify gives for the same data. The
// follower stores every project's state and every snapshot bucket as JSON objects made from Maps;
// JSON.stringify of a prototype-less copy of each Map (so that a key such as `__proto__` is a key)
// takes V8's slow path for such objects: measured 4 µs of a backfill's every project.

// Strings JSON writes as they are between quotes: no quote, backslash, control character or
// surrogate (JSON.stringify escapes a lone surrogate; a pair is rare enough to leave to it).
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON.stringify(s). */
export function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** JSON.stringify(v): undefined where JSON has no value for `v` (undefined, a function). */
export function jsonValue(v: unknown): string | undefined {
  if (typeof v === 'string') return jsonString(v);
  // A finite number's JSON is its String (-0 included); NaN and the infinities are null.
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (v === null) return 'null';
  return JSON.stringify(v);
}

/**
 * The JSON text of an object whose own properties are `keys` (distinct), in that order, with the
 * JSON values `valueJson` gives (a key whose value is undefined is left out): exactly what
 * JSON.stringify writes for such an object, which lists array-index keys first, in numeric order.
 */
export function objectJson(keys: Iterable<string>, valueJson: (key: string) => string | undefined): string {
  let out = '';
  let indexed: [number, string][] | undefined;
  for (const k of keys) {
    const v = valueJson(k);
    if (v === undefined) continue;
    const member = `${jsonString(k)}:${v}`;
    if (isArrayIndex(k)) (indexed ??= []).push([Number(k), member]);
    else out += out === '' ? member : `,${member}`;
  }
  if (indexed !== undefined) {
    const first = indexed
      .sort((a, b) => a[0] - b[0])
      .map((m) => m[1])
      .join(',');
    out = out === '' ? first : `${first},${out}`;
  }
  return `{${out}}`;
}

/** JSON.stringify of an object with the entries of `m` (see objectJson). */
export function mapJson(m: ReadonlyMap<string, unknown>): string {
  let out = '';
  for (const [k, v] of m) {
    // Rare (a version such as "2"): objectJson puts such keys in their place.
    if (isArrayIndex(k)) return objectJson(m.keys(), (key) => jsonValue(m.get(key)));
    const json = jsonValue(v);
    if (json !== undefined) out += `${out === '' ? '' : ','}${jsonString(k)}:${json}`;
  }
  return `{${out}}`;
}

/** Whether an object orders `k` as an array index: a canonical decimal integer below 2^32 - 1. */
export function isArrayIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  // Most keys (file names, versions such as 1.0) fail here or at the regexp's first dot.
  if (!(c >= 0x30 && c <= 0x39)) return false;
  return /^(?:0|[1-9][0-9]{0,9})$/.test(k) && Number(k) < 2 ** 32 - 1;
}

/**
 * `s`, stored as one piece. V8 keeps a string built with `+` as a tree of its pieces until
 * something needs it whole, so a string that is kept a while (a project's state waiting for its
 * commit) costs the GC every piece: measured ~700 bytes for a 150-character state, not ~120. A
 * regular expression needs its subject whole: testing one joins the pieces in place.
 */
export function flatString(s: string): string {
  WHOLE.test(s);
  return s;
}
const WHOLE = /$/;
