// An independent client checks what `distsum log serve` publishes, over HTTP: the checkpoint
// verifies with the log's key; every tile the tree has authenticates up to the signed root
// (tlog's tile reader); and Python (hashlib, its own RFC 6962 code below) recomputes every hash
// tile and the root from the served entry bundles alone, and verifies a lookup's tlog-proof.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServer } from '../../src/server/serve.ts';
import type { ServerHandle } from '../../src/server/options.ts';
import { openDataDir } from '../../src/log/datadir.ts';
import { openCheckpoint } from '../../src/tlog/checkpoint.ts';
import { newVerifier } from '../../src/tlog/note.ts';
import { entriesPath, tilePath, tilesForSize } from '../../src/tlog/tile.ts';
import { tileHashReader } from '../../src/tlog/tilehash.ts';
import { storedHashIndex } from '../../src/tlog/stored.ts';
import { bodyJson, TOKEN, fixtureOptions, manyEntries } from '../server/support/fixture.ts';

const SIZE = 700; // level 0: 000, 001, 002.p/188; level 1: 000.p/2
let tmp: string;
let h: ServerHandle;
let verifierKey: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'distsum-client-'));
  const dir = join(tmp, 'data');
  h = await runServer(fixtureOptions(dir, { init: { origin: 'client.example/log' }, adminToken: TOKEN, now: () => new Date() }));
  // Two batches, so the tree grew through a partial tile.
  for (const [from, n] of [[0, 300], [300, 400]]) {
    const r = await fetch(`${h.url}/api/v1/entries`, { method: 'POST', body: JSON.stringify(manyEntries('client-pkg', n, from)), headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
  }
  const status = await bodyJson(await fetch(`${h.url}/api/v1/status`));
  verifierKey = status.verifier_key;
  const l = await openDataDir(dir, { now: () => new Date() });
  assert.equal(l.info.verifierKey, verifierKey);
  await l.close();
});
after(async () => {
  await h.close();
  rmSync(tmp, { recursive: true, force: true });
});

const get = async (path: string) => {
  const r = await fetch(`${h.url}/${path}`);
  assert.equal(r.status, 200, path);
  return new Uint8Array(await r.arrayBuffer());
};

const PY_TILES = `
import base64, hashlib, json, sys
bundles = [base64.b64decode(b) for b in json.load(sys.stdin)]
entries = []
for b in bundles:
    off = 0
    while off < len(b):
        n = int.from_bytes(b[off:off + 2], 'big'); entries.append(b[off + 2:off + 2 + n]); off += 2 + n
leaf = lambda e: hashlib.sha256(b'\\x00' + e).digest()
node = lambda l, r: hashlib.sha256(b'\\x01' + l + r).digest()
def mth(hs):
    if len(hs) == 1: return hs[0]
    k = 1
    while k * 2 < len(hs): k *= 2
    return node(mth(hs[:k]), mth(hs[k:]))
# Level L of tiles holds the roots of complete 256^L-leaf subtrees.
tiles = {}
level, hashes = 0, [leaf(e) for e in entries]
while hashes:
    for n in range(0, len(hashes), 256):
        chunk = hashes[n:n + 256]
        tiles['%d/%d/%d' % (level, n // 256, len(chunk))] = base64.b64encode(b''.join(chunk)).decode()
    hashes = [mth(hashes[i:i + 256]) for i in range(0, len(hashes) - 255, 256)]
    level += 1
print(json.dumps({'count': len(entries), 'root': base64.b64encode(mth([leaf(e) for e in entries])).decode(), 'tiles': tiles}))
`;

test('the checkpoint verifies, and every tile authenticates up to its root', async () => {
  const note = await get('checkpoint');
  const { checkpoint } = openCheckpoint(note, 'client.example/log', newVerifier(verifierKey));
  assert.equal(checkpoint.size, SIZE);
  const tiles = tilesForSize(SIZE);
  assert.deepEqual(tiles.map(tilePath), ['tile/0/000', 'tile/0/001', 'tile/0/002.p/188', 'tile/1/000.p/2']);
  const fetched = new Map<string, Uint8Array>();
  for (const t of tiles) fetched.set(tilePath(t), await get(tilePath(t)));
  const read = tileHashReader(checkpoint, fetched);
  // Every leaf hash, authenticated through the tiles above it to the signed root.
  const leaves = read(Array.from({ length: SIZE }, (_, i) => storedHashIndex(0, i)));
  assert.equal(leaves.length, SIZE);
});

test('Python recomputes every served tile and the root from the served entry bundles', async () => {
  const bundles = [await get(entriesPath(0, 256)), await get(entriesPath(1, 256)), await get(entriesPath(2, 188))];
  const r = spawnSync('python3', ['-c', PY_TILES], { input: JSON.stringify(bundles.map((b) => Buffer.from(b).toString('base64'))), encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as { count: number; root: string; tiles: Record<string, string> };
  assert.equal(py.count, SIZE);
  const { checkpoint } = openCheckpoint(await get('checkpoint'), 'client.example/log', newVerifier(verifierKey));
  assert.equal(py.root, Buffer.from(checkpoint.hash).toString('base64'));
  for (const t of tilesForSize(SIZE)) {
    const want = py.tiles[`${t.level}/${t.n}/${t.width}`];
    assert.ok(want !== undefined, tilePath(t));
    assert.equal(Buffer.from(await get(tilePath(t))).toString('base64'), want, tilePath(t));
  }
  // Older, narrower partial tiles are prefixes (what clients holding an older checkpoint ask for).
  assert.equal(Buffer.from(await get('tile/0/002.p/44')).toString('base64'), Buffer.from(Buffer.from(py.tiles['0/2/188'], 'base64').subarray(0, 44 * 32)).toString('base64'));
});

const PY_PROOF = `
import base64, hashlib, sys
text = sys.stdin.read()
head, note = text.split('\\n\\n', 1)
lines = head.split('\\n')
assert lines[0] == 'c2sp.org/tlog-proof@v1', lines[0]
index = int(lines[1].split(' ')[1])
path = [base64.b64decode(l) for l in lines[2:]]
origin, size, root = note.split('\\n')[:3]
size, root = int(size), base64.b64decode(root)
record = sys.argv[1].encode()
# RFC 9162 2.1.3.2
fn, sn = index, size - 1
r = hashlib.sha256(b'\\x00' + record).digest()
for p in path:
    if sn == 0: raise SystemExit('proof too long')
    if fn % 2 == 1 or fn == sn:
        r = hashlib.sha256(b'\\x01' + p + r).digest()
        while fn % 2 == 0 and fn != 0:
            fn >>= 1; sn >>= 1
    else:
        r = hashlib.sha256(b'\\x01' + r + p).digest()
    fn >>= 1; sn >>= 1
assert sn == 0 and r == root, 'proof does not verify'
print(origin, size, index)
`;

test("Python verifies a lookup's tlog-proof with RFC 9162's algorithm", async () => {
  for (const i of [0, 255, 256, 511, 699]) {
    const name = manyEntries('client-pkg', 1, i)[0].filename;
    const j = await bodyJson(await fetch(`${h.url}/lookup/${encodeURIComponent(name)}`));
    const proof = new TextDecoder().decode(await get(`lookup/${encodeURIComponent(name)}?format=proof`));
    const r = spawnSync('python3', ['-c', PY_PROOF, j.record], { input: proof, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `client.example/log ${SIZE} ${i}`);
  }
});
