import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBaseline, lateAlerts, listedNames, nextState, removedAlerts } from '../../src/monitor/rules.ts';
import type { ListedFile, Listing } from '../../src/monitor/listing.ts';
import { emptyProjectState, type ProjectState } from '../../src/monitor/state.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const now = new Date(T0 + 60 * DAY);

function file(filename: string, version: string, uploadTime?: number): ListedFile {
  const f: ListedFile = { filename, version, url: `https://files.example/${filename}`, size: 1, sha256: 'a'.repeat(64) };
  if (uploadTime !== undefined) f.uploadTime = new Date(uploadTime).toISOString();
  return f;
}
function listing(files: ListedFile[]): Listing {
  return { project: 'demo', files, disagreements: [], source: 'https://index.example/simple/demo/' };
}
function state(files: [string, string][], versions: [string, number][], polled = now.getTime() - DAY): ProjectState {
  return { files: new Map(files), versions: new Map(versions), polled };
}

test('the first sight of a project, or a state without a successful poll, raises nothing', () => {
  const l = listing([file('demo-1.0-py3-none-any.whl', '1.0', now.getTime())]);
  for (const prev of [undefined, { ...emptyProjectState(), errorSince: 1 }]) {
    assert.equal(isBaseline(prev), false);
    assert.deepEqual(removedAlerts(prev, listing([]), now), []);
    assert.deepEqual(lateAlerts(prev, l, () => false, 14 * DAY, now), []);
  }
});

test('file-removed for each file seen before that is no longer listed (set-aside files are still listed)', () => {
  const prev = state([['a-1.0.tar.gz', '1.0'], ['a-1.1.tar.gz', '-'], ['a-1.2.tar.gz', '1.2']], []);
  const l = listing([file('a-1.0.tar.gz', '1.0')]);
  l.disagreements.push({ filename: 'a-1.2.tar.gz', version: '1.2', against: 'url', claimed: {}, found: {} });
  const alerts = removedAlerts(prev, l, now);
  assert.deepEqual(alerts.map((a) => [a.kind, a.filename, a.version, a.dedupKey]), [['file-removed', 'a-1.1.tar.gz', undefined, 'file-removed a-1.1.tar.gz']]);
  assert.deepEqual([...listedNames(l).keys()], ['a-1.0.tar.gz', 'a-1.2.tar.gz']);
});

test('file-added-late compares with the release\'s first file, by upload time or first sight', () => {
  const prev = state([['demo-1.0.tar.gz', '1.0'], ['demo-2.0.tar.gz', '2.0']], [['1.0', T0], ['2.0', now.getTime() - 2 * DAY]]);
  const l = listing([
    file('demo-1.0.tar.gz', '1.0', T0),
    file('demo-1.0-py3-none-any.whl', '1.0', now.getTime()), // 60 days after: late
    file('demo-2.0.tar.gz', '2.0'),
    file('demo-2.0-py3-none-any.whl', '2.0'), // 2 days after the release was first seen: fine
    file('demo-3.0.tar.gz', '3.0'), // a new release: fine
    file('demo-old-1.0.zip', '-'), // unknown release: never late
  ]);
  const late = lateAlerts(prev, l, () => false, 14 * DAY, now);
  assert.deepEqual(late.map((a) => a.filename), ['demo-1.0-py3-none-any.whl']);
  assert.equal(late[0].details.release_first_file, new Date(T0).toISOString());
  assert.equal(late[0].dedupKey, 'file-added-late demo-1.0-py3-none-any.whl');
  // Logged files are not new, whatever the state says.
  assert.deepEqual(lateAlerts(prev, l, (f) => f === 'demo-1.0-py3-none-any.whl', 14 * DAY, now), []);
  // A larger threshold: nothing.
  assert.deepEqual(lateAlerts(prev, l, () => false, 90 * DAY, now), []);
});

test('an index cannot backdate a new file past a poll that did not list it', () => {
  const lastPoll = now.getTime() - DAY;
  const prev = state([['demo-1.0.tar.gz', '1.0']], [['1.0', T0]], lastPoll);
  // Claims to be uploaded with the release, but was absent at the last poll (59 days later).
  const l = listing([file('demo-1.0.tar.gz', '1.0', T0), file('demo-1.0-py3-none-any.whl', '1.0', T0 + 1000)]);
  const late = lateAlerts(prev, l, () => false, 14 * DAY, now);
  assert.equal(late.length, 1);
  assert.equal(late[0].details.appeared, new Date(lastPoll).toISOString());
});

test('the next state lists what is listed and keeps when each release was first seen', () => {
  const prev = state([['demo-1.0.tar.gz', '1.0']], [['1.0', T0]]);
  prev.manifests = new Map([['1.0', { status: 'ok', files: 'x', checked: 1 }]]);
  const s = nextState(prev, listing([file('demo-1.0.tar.gz', '1.0'), file('demo-2.0.tar.gz', '2.0')]), now);
  assert.deepEqual([...s.files], [['demo-1.0.tar.gz', '1.0'], ['demo-2.0.tar.gz', '2.0']]);
  assert.deepEqual([...s.versions], [['1.0', T0], ['2.0', now.getTime()]]);
  assert.equal(s.polled, now.getTime());
  assert.equal(s.manifests, prev.manifests);
});
