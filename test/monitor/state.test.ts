import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeGlobalState, decodeProjectState, emptyProjectState, encodeGlobalState, encodeProjectState, projectKey, type ProjectState } from '../../src/monitor/state.ts';

// Versions such as "2" are keys an object lists first: the stored order must still be JSON's.
const name = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('2', '10', '0', '01', '4294967295'));
const time = fc.integer({ min: 0, max: 2 ** 45 });
const check = fc.record({ status: fc.constantFrom('ok' as const, 'problem' as const, 'pending' as const), files: fc.string({ maxLength: 32 }), checked: time }).map((c) => ({ ...c }));
const stateArb: fc.Arbitrary<ProjectState> = fc
  .record(
    {
      etag: fc.string({ maxLength: 60 }),
      lastModified: fc.string({ maxLength: 60 }),
      files: fc.array(fc.tuple(fc.oneof(name, fc.constant('__proto__')), fc.string({ maxLength: 20 })), { maxLength: 8 }),
      versions: fc.array(fc.tuple(fc.oneof(name, fc.constant('__proto__'), fc.constant('constructor')), time), { maxLength: 8 }),
      polled: time,
      errorSince: time,
      manifests: fc.array(fc.tuple(name, check), { maxLength: 4 }),
    },
    { requiredKeys: ['files', 'versions'] },
  )
  .map((r) => {
    const s: ProjectState = { files: new Map(r.files), versions: new Map(r.versions) };
    if (r.etag !== undefined) s.etag = r.etag;
    if (r.lastModified !== undefined) s.lastModified = r.lastModified;
    if (r.polled !== undefined) s.polled = r.polled;
    if (r.errorSince !== undefined) s.errorSince = r.errorSince;
    if (r.manifests !== undefined) s.manifests = new Map(r.manifests);
    return s;
  });

test('project states round-trip through their stored form, __proto__ names included', () => {
  fc.assert(fc.property(stateArb, (s) => assert.deepEqual(decodeProjectState(encodeProjectState(s)), s)));
  const s = emptyProjectState();
  s.versions.set('__proto__', 5);
  const back = decodeProjectState(encodeProjectState(s))!;
  assert.equal(back.versions.get('__proto__'), 5);
  assert.equal(Object.getPrototypeOf(back.versions), Map.prototype);
});

// How states were stored before they were written out by hand: each Map a prototype-less object,
// the whole through JSON.stringify. Stored states of either version must read the same.
function storedBefore(s: ProjectState): string {
  const obj = <T>(m: Map<string, T>) => {
    const o = Object.create(null) as Record<string, T>;
    for (const [k, v] of m) o[k] = v;
    return o;
  };
  return JSON.stringify({ ...s, files: obj(s.files), versions: obj(s.versions), ...(s.manifests !== undefined ? { manifests: obj(s.manifests) } : {}) });
}

test('the stored form is the text earlier versions wrote, so each reads the other', () => {
  const s: ProjectState = { files: new Map([['demo-2.tar.gz', '2'], ['demo-1.0.tar.gz', '1.0']]), versions: new Map([['2', 7], ['1.0', 5]]), polled: 9, etag: '"x"' };
  assert.equal(encodeProjectState(s), '{"files":{"demo-2.tar.gz":"2","demo-1.0.tar.gz":"1.0"},"versions":{"2":7,"1.0":5},"polled":9,"etag":"\\"x\\""}');
  fc.assert(
    fc.property(stateArb, (s) => {
      assert.equal(encodeProjectState(s), storedBefore(s));
      assert.deepEqual(decodeProjectState(storedBefore(s)), decodeProjectState(encodeProjectState(s)));
    }),
  );
});

test('anything stored that is not a valid state decodes as absent, never throws', () => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (v) => {
    const s = decodeProjectState(v);
    return s === undefined || (s.files instanceof Map && s.versions instanceof Map);
  }));
  for (const bad of [undefined, '', 'null', '[]', '{"files":{},"versions":{"1.0":-1}}', '{"files":{"a":1},"versions":{}}', '{"files":{},"versions":{},"polled":"x"}', '{"files":{},"versions":{},"manifests":{"1":{"status":"weird","files":"","checked":1}}}']) {
    assert.equal(decodeProjectState(bad), undefined, String(bad));
  }
});

test('the index-wide state keeps valid fields only', () => {
  assert.deepEqual(decodeGlobalState(encodeGlobalState({ index: 'https://pypi.org/simple/', caughtUp: 5, listErrorSince: 3 })), { index: 'https://pypi.org/simple/', caughtUp: 5, listErrorSince: 3 });
  assert.deepEqual(decodeGlobalState('{"index":7,"caughtUp":-1}'), {});
  assert.deepEqual(decodeGlobalState('not json'), {});
  fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (v) => typeof decodeGlobalState(v) === 'object'));
});

test('project keys are under the follower prefix', () => {
  assert.equal(projectKey('requests'), 'follow/p/requests');
});
