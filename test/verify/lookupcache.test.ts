import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodePack, encodePack, lookupCache, MAX_PACKS } from '../../src/verify/lookupcache.ts';
import { tempDir } from './support/cli.ts';

const v = (s: string) => new TextEncoder().encode(s);
const text = (vals: Uint8Array[] | undefined) => vals?.map((x) => Buffer.from(x).toString());

test('property: packs round-trip; any truncation keeps a prefix of the records and never throws', () => {
  const entries = fc.uniqueArray(fc.tuple(fc.string({ maxLength: 20 }), fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 3 })), { selector: (e) => e[0], maxLength: 8 });
  fc.assert(
    fc.property(entries, fc.nat(), (es, cut) => {
      const pack = encodePack(es);
      const back = decodePack(pack);
      assert.deepEqual([...back].map(([k, vs]) => [k, vs.map((x) => [...x])]), es.map(([k, vs]) => [k, vs.map((x) => [...x])]));
      const part = decodePack(pack.subarray(0, cut % (pack.length + 1)));
      for (const [k, vs] of part) {
        const full = back.get(k)!;
        assert.ok(vs.length <= full.length);
        vs.forEach((x, i) => assert.deepEqual([...x], [...full[i]]));
      }
    }),
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => void decodePack(junk)));
  assert.equal(decodePack(v('not a pack')).size, 0);
});

test('answers written by one run are read by the next; the newest pack wins', (t) => {
  const dir = join(tempDir(t), 'lookups');
  const a = lookupCache(dir);
  assert.equal(a.get('f:x'), undefined);
  a.set('f:x', [v('one')]);
  a.set('s:y', [v('y1'), v('y2')]);
  assert.deepEqual(text(a.get('f:x')), ['one']);
  a.flush();
  const b = lookupCache(dir);
  assert.deepEqual(text(b.get('f:x')), ['one']);
  assert.deepEqual(text(b.get('s:y')), ['y1', 'y2']);
  b.set('f:x', [v('two')]);
  b.flush();
  assert.deepEqual(text(lookupCache(dir).get('f:x')), ['two']);
  assert.equal(readdirSync(dir).length, 2);
});

test('within one millisecond, each run’s pack still wins over the packs it read', (t) => {
  t.mock.method(Date, 'now', () => 1_700_000_000_000);
  const dir = join(tempDir(t), 'lookups');
  for (let i = 0; i < 6; i++) {
    const c = lookupCache(dir);
    if (i > 0) assert.deepEqual(text(c.get('f:x')), [`v${i - 1}`]);
    c.set('f:x', [v(`v${i}`)]);
    c.flush();
  }
  assert.deepEqual(text(lookupCache(dir).get('f:x')), ['v5']);
});

test('dropped keys are not served again in the run', (t) => {
  const dir = join(tempDir(t), 'lookups');
  const a = lookupCache(dir);
  a.set('f:x', [v('bad')]);
  a.flush();
  const b = lookupCache(dir);
  b.drop('f:x');
  assert.equal(b.get('f:x'), undefined);
});

test('packs are merged once there are too many, keeping every key', (t) => {
  const dir = join(tempDir(t), 'lookups');
  for (let i = 0; i < MAX_PACKS + 3; i++) {
    const c = lookupCache(dir);
    c.set(`f:${i}`, [v(String(i))]);
    c.flush();
    assert.ok(readdirSync(dir).length <= MAX_PACKS, `${readdirSync(dir).length} packs after run ${i}`);
  }
  const all = lookupCache(dir);
  for (let i = 0; i < MAX_PACKS + 3; i++) assert.deepEqual(text(all.get(`f:${i}`)), [String(i)]);
  assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')));
});

test('foreign files and damaged packs in the directory are ignored', (t) => {
  const dir = join(tempDir(t), 'lookups');
  const a = lookupCache(dir);
  a.set('f:ok', [v('ok')]);
  a.flush();
  writeFileSync(join(dir, 'pack-999999999999999-1-deadbeef'), 'garbage');
  writeFileSync(join(dir, 'README'), 'not a pack');
  assert.deepEqual(text(lookupCache(dir).get('f:ok')), ['ok']);
});

test('without a directory nothing is kept and flush does nothing', () => {
  const c = lookupCache(undefined);
  c.set('f:x', [v('1')]);
  assert.deepEqual(text(c.get('f:x')), ['1']);
  c.flush();
  assert.equal(lookupCache(undefined).get('f:x'), undefined);
});

test('packs of the earlier format (v1, answers as tlog-proof text) are ignored, then merged away', (t) => {
  const dir = join(tempDir(t), 'lookups');
  const v1 = Buffer.concat([Buffer.from('distsum-lookups v1\n'), encodePack([['f:old', [v('old')]]]).subarray('distsum-lookups v2\n'.length)]);
  for (let i = 0; i < MAX_PACKS; i++) {
    const c = lookupCache(dir);
    c.set(`f:${i}`, [v(String(i))]);
    c.flush();
    if (i === 0) writeFileSync(join(dir, 'pack-000000000000001-1-00000000'), v1);
  }
  assert.equal(lookupCache(dir).get('f:old'), undefined);
  assert.ok(!readdirSync(dir).includes('pack-000000000000001-1-00000000'), 'merged away with the other packs');
  const all = lookupCache(dir);
  for (let i = 0; i < MAX_PACKS; i++) assert.deepEqual(text(all.get(`f:${i}`)), [String(i)]);
});
