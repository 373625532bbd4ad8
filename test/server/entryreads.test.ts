// Single entries out of entry bundles: agrees with tlog's parseEntryBundle on any bundle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bundleEntry, bundleWidth } from '../../src/server/entryreads.ts';
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
