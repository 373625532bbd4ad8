// Single entries out of entry bundles: agrees with tlog's parseEntryBundle on any bundle; where
// entries lie in a bundle; reading one entry of a real log by its known position.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bundleWidth, entryAt, readEntry } from '../../src/server/entryreads.ts';
import { bundleEntry, bundleOffsets } from '../../src/tlog/tile.ts';
import { tileCache } from '../../src/server/tilecache.ts';
import type { LogReader } from '../../src/log/log.ts';
import { StoreCorruptError } from '../../src/store/errors.ts';
import { logFixture, manyEntries } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';
import { encodeEntryBundle, parseEntryBundle } from '../../src/tlog/tile.ts';
import { b64, loadVector } from '../tlog/testlog.ts';

test('entry k of the vectors\' bundle tile/entries/000 is "entry-k\\n"', () => {
  const bundles = loadVector<{ entry_bundles_70000: { path: string; content_base64?: string }[] }>('tlog/tiles.json').entry_bundles_70000;
  const data = b64(bundles.find((b) => b.path === 'tile/entries/000')!.content_base64!);
  for (const k of [0, 1, 99, 255]) assert.equal(new TextDecoder().decode(bundleEntry(data, k)), `entry-${k}\n`);
  assert.equal(bundleEntry(data, 256), undefined);
});

test('random bundles: the same entries as parseEntryBundle; truncated ones give undefined, not garbage', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), fc.nat(), (entries, cut) => {
      const data = encodeEntryBundle(entries);
      entries.forEach((e, k) => assert.deepEqual(bundleEntry(data, k), e));
      assert.equal(bundleEntry(data, entries.length), undefined);
      const short = data.subarray(0, data.length === 0 ? 0 : cut % data.length);
      let ok: Uint8Array[] = [];
      try {
        ok = parseEntryBundle(short);
      } catch {
        // a truncated bundle: only the complete entries before the cut can be read
      }
      for (let k = 0; k < entries.length; k++) {
        const got = bundleEntry(short, k);
        if (got !== undefined) assert.deepEqual(got, entries[k]);
        if (k < ok.length) assert.deepEqual(got, ok[k]);
      }
    }),
  );
});

test('bundle widths in a tree', () => {
  assert.equal(bundleWidth(0, 300), 256);
  assert.equal(bundleWidth(1, 300), 44);
  assert.equal(bundleWidth(2, 300), 0);
  assert.equal(bundleWidth(1, 512), 256);
});

test('property: bundleOffsets marks where each entry and its prefix start, or undefined when entries are missing', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.nat(), fc.nat(), (entries, want, cut) => {
      const data = encodeEntryBundle(entries);
      const count = want % (entries.length + 2);
      const offsets = bundleOffsets(data, count);
      if (count > entries.length) {
        assert.equal(offsets, undefined);
        return;
      }
      assert.ok(offsets !== undefined);
      assert.equal(offsets.length, count + 1);
      for (let k = 0; k < count; k++) {
        assert.equal(offsets[k + 1] - offsets[k], 2 + entries[k].length);
        assert.deepEqual(data.subarray(offsets[k] + 2, offsets[k + 1]), bundleEntry(data, k));
      }
      // Cut inside the first `count` entries: they are no longer all there.
      const end = offsets[count];
      if (end > 0) assert.equal(bundleOffsets(data.subarray(0, cut % end), count), undefined);
    }),
  );
});

describe('reading entries from a log', () => {
  let f: Fixture;
  before(async () => {
    f = await logFixture();
    await f.append(manyEntries('r', 300));
  });
  after(() => f.close());

  // The fixture's reader, counting whole-bundle and slice reads.
  function counting(over: Partial<LogReader> = {}) {
    const counts = { bundle: 0, slice: 0 };
    const r = f.open.reader;
    const reader: LogReader = {
      ...r,
      entryBundle: (n, w) => (counts.bundle++, r.entryBundle(n, w)),
      entryBundleSlice: (n, s, l) => (counts.slice++, r.entryBundleSlice(n, s, l)),
      ...over,
    };
    return { reader, counts };
  }

  test('readEntry: the log\'s entries; one whole read per bundle, then slices; a cached bundle needs no read', async () => {
    const { reader, counts } = counting();
    const cache = tileCache(reader, 1 << 20);
    const all = await f.open.reader.entries(Array.from({ length: 300 }, (_, i) => i));
    for (const i of [5, 0, 255, 7, 256, 299, 260]) {
      const e = await readEntry(cache, reader, i, 300);
      assert.deepEqual({ ...e, data: new Uint8Array(e.data) }, { ...all[i], data: new Uint8Array(all[i].data) }, `entry ${i}`);
      assert.deepEqual(await entryAt(cache, f.open.reader, i, 300).then((x) => x.entry), all[i].entry);
    }
    assert.deepEqual(counts, { bundle: 2, slice: 5 }, 'bundles 0 and 1 read whole once');
    await cache.entryBundle(0, 256, false);
    counts.bundle = counts.slice = 0;
    assert.deepEqual((await readEntry(cache, reader, 77, 300)).entry, all[77].entry);
    assert.deepEqual(counts, { bundle: 0, slice: 0 });
    await assert.rejects(readEntry(cache, reader, 300, 300), StoreCorruptError);
  });

  test('readEntry: a partial bundle read at one width is read again for entries past it', async () => {
    const { reader, counts } = counting();
    const cache = tileCache(reader, 1 << 20);
    const base = (await f.open.reader.latestCheckpoint()).size;
    assert.equal((await readEntry(cache, reader, base - 1, base)).index, base - 1);
    await f.append(manyEntries('s', 10));
    const e = await readEntry(cache, reader, base + 4, base + 10);
    assert.equal(e.entry.filename, manyEntries('s', 10)[4].filename);
    assert.deepEqual(counts, { bundle: 2, slice: 0 });
    assert.equal((await readEntry(cache, reader, base - 2, base + 10)).index, base - 2);
    assert.deepEqual(counts, { bundle: 2, slice: 1 });
  });

  test('readEntry: a slice that does not match the offsets, or is missing, is a store error', async () => {
    const cache = tileCache(f.open.reader, 1 << 20);
    await readEntry(cache, f.open.reader, 10, 300); // learns bundle 0's offsets
    const lying = counting({ entryBundleSlice: async (n, s, l) => new Uint8Array(l).fill(0x61) }).reader;
    await assert.rejects(readEntry(cache, lying, 11, 300), (e: unknown) => e instanceof StoreCorruptError && /changed under entry 11/.test(e.message));
    const gone = counting({ entryBundleSlice: async () => undefined }).reader;
    await assert.rejects(readEntry(cache, gone, 12, 300), (e: unknown) => e instanceof StoreCorruptError && /entry 12 is missing/.test(e.message));
    const short = counting({ entryBundleSlice: async (n, s, l) => (await f.open.reader.entryBundleSlice(n, s, l))!.subarray(1) }).reader;
    await assert.rejects(readEntry(cache, short, 13, 300), StoreCorruptError);
  });
});
