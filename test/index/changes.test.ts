import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSerials, hasSerials, planPolls } from '../../src/index/changes.ts';
import { InputError } from '../../src/errors.ts';

test('diffSerials: added, removed, changed, serials going back, and entries without serials', () => {
  const before = [
    { normalizedName: 'a', lastSerial: 1 },
    { normalizedName: 'b', lastSerial: 5 },
    { normalizedName: 'c', lastSerial: 7 },
    { normalizedName: 'd', lastSerial: 9 },
    { normalizedName: 'e' },
  ];
  const after = [
    { normalizedName: 'e', lastSerial: 3 },
    { normalizedName: 'd', lastSerial: 4 },
    { normalizedName: 'c', lastSerial: 7 },
    { normalizedName: 'b', lastSerial: 6 },
    { normalizedName: 'z', lastSerial: 10 },
  ];
  assert.deepEqual(diffSerials(before, after), { added: ['z'], removed: ['a'], changed: ['b', 'd'], serialDecreased: ['d'], unknown: ['e'] });
  assert.deepEqual(diffSerials(after, after), { added: [], removed: [], changed: [], serialDecreased: [], unknown: [] });
  assert.deepEqual(diffSerials([], after).added, ['b', 'c', 'd', 'e', 'z']);
});

test('diffSerials refuses a snapshot naming a project twice', () => {
  assert.throws(() => diffSerials([{ normalizedName: 'a' }, { normalizedName: 'a' }], []), InputError);
});

test('hasSerials', () => {
  assert.equal(hasSerials([{ normalizedName: 'a', lastSerial: 0 }]), true);
  assert.equal(hasSerials([{ normalizedName: 'a', lastSerial: 0 }, { normalizedName: 'b' }]), false);
  assert.equal(hasSerials([]), true);
});

test('planPolls: never-polled first, then the oldest due, bounded per round', () => {
  const last = new Map([
    ['a', 1000],
    ['b', 500],
    ['c', 9500],
    ['gone', 0],
  ]);
  const opts = { nowMs: 10_000, intervalMs: 1000, maxPolls: 10 };
  assert.deepEqual(planPolls(['c', 'b', 'a', 'new2', 'new1'], last, opts), ['new1', 'new2', 'b', 'a']);
  assert.deepEqual(planPolls(['c', 'b', 'a', 'new2', 'new1'], last, { ...opts, maxPolls: 3 }), ['new1', 'new2', 'b']);
  assert.deepEqual(planPolls(['c'], last, opts), []);
  assert.deepEqual(planPolls(['c', 'c'], new Map(), opts), ['c']);
});

test('property: diffSerials partitions the names, and applying it to the old snapshot gives the new one', () => {
  const snap = fc.uniqueArray(fc.record({ normalizedName: fc.stringMatching(/^[a-e]{1,2}$/), lastSerial: fc.option(fc.nat(20), { nil: undefined }) }), { selector: (e) => e.normalizedName });
  fc.assert(
    fc.property(snap, snap, (before, after) => {
      const d = diffSerials(before, after);
      const oldNames = new Set(before.map((e) => e.normalizedName));
      const newNames = new Set(after.map((e) => e.normalizedName));
      for (const n of d.added) assert.ok(newNames.has(n) && !oldNames.has(n));
      for (const n of d.removed) assert.ok(oldNames.has(n) && !newNames.has(n));
      for (const n of d.serialDecreased) assert.ok(d.changed.includes(n));
      // Every name in both snapshots is changed, unknown, or has the same serial.
      const oldSerial = new Map(before.map((e) => [e.normalizedName, e.lastSerial]));
      for (const e of after) {
        if (!oldNames.has(e.normalizedName)) continue;
        const same = e.lastSerial !== undefined && oldSerial.get(e.normalizedName) === e.lastSerial;
        assert.equal(d.changed.includes(e.normalizedName) || d.unknown.includes(e.normalizedName), !same);
      }
      const rebuilt = new Set([...[...oldNames].filter((n) => !d.removed.includes(n)), ...d.added]);
      assert.deepEqual([...rebuilt].sort(), [...newNames].sort());
    }),
  );
});

test('property: planPolls returns due projects only, each once, at most maxPolls, the never-polled first', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.stringMatching(/^[a-h]$/)),
      fc.dictionary(fc.stringMatching(/^[a-h]$/), fc.nat(100)),
      fc.nat(100),
      fc.nat(50),
      fc.nat(5),
      (names, polled, now, interval, max) => {
        const last = new Map(Object.entries(polled));
        const plan = planPolls(names, last, { nowMs: now, intervalMs: interval, maxPolls: max });
        assert.ok(plan.length <= max);
        assert.equal(new Set(plan).size, plan.length);
        for (const n of plan) {
          assert.ok(names.includes(n));
          const at = last.get(n);
          assert.ok(at === undefined || now - at >= interval);
        }
        const firstPolled = plan.findIndex((n) => last.has(n));
        if (firstPolled >= 0) assert.ok(plan.slice(firstPolled).every((n) => last.has(n)));
        const due = names.filter((n) => !last.has(n) || now - last.get(n)! >= interval);
        assert.equal(plan.length, Math.min(max, due.length));
      },
    ),
  );
});
