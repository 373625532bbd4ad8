import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { EMPTY_TREE_HASH, HASH_SIZE, hashBase64, hashEqual, hashHex, nodeHash, nodeHashInto, recordHash } from '../../src/tlog/hash.ts';
import { b64, loadVector } from './testlog.ts';

const vectors = loadVector('tlog/tree-hashes.json');

test('recordHash matches the vector leaf hashes', () => {
  assert.equal(vectors.leaf_hashes.length, 8);
  for (const v of vectors.leaf_hashes) {
    const h = recordHash(b64(v.record_base64));
    assert.equal(hashBase64(h), v.leaf_hash, `record ${v.index}`);
    assert.equal(hashHex(h), v.leaf_hash_hex);
    assert.equal(new TextDecoder().decode(b64(v.record_base64)), v.record);
  }
});

test('nodeHash matches the vector node hashes', () => {
  assert.ok(vectors.node_hash_examples.length > 0);
  for (const v of vectors.node_hash_examples) {
    assert.equal(hashBase64(nodeHash(b64(v.left), b64(v.right))), v.node, v.description);
  }
});

test('EMPTY_TREE_HASH is SHA-256 of the empty string, not zeros', () => {
  assert.equal(hashBase64(EMPTY_TREE_HASH), vectors.empty_tree.root);
  assert.notEqual(hashBase64(EMPTY_TREE_HASH), vectors.empty_tree.xmod_treehash_0);
});

test('hashes are fresh plain 32-byte Uint8Arrays', () => {
  const a = recordHash(new Uint8Array([1, 2, 3]));
  const b = recordHash(new Uint8Array([1, 2, 3]));
  assert.equal(a.length, HASH_SIZE);
  assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype);
  assert.deepEqual(a, b);
  a[0] ^= 1;
  assert.notDeepEqual(a, b);
  assert.equal(hashEqual(a, b), false);
});

test('nodeHash rejects inputs that are not 32 bytes', () => {
  const h = recordHash(new Uint8Array(0));
  assert.throws(() => nodeHash(h, new Uint8Array(31)), RangeError);
  assert.throws(() => nodeHash(new Uint8Array(33), h), RangeError);
});

test('recordHash and nodeHash agree with python3 hashlib on random input', () => {
  const samples = fc.sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 60, seed: 42 });
  const pairs = fc.sample(fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 })), { numRuns: 30, seed: 7 });
  const input = JSON.stringify({
    leaves: samples.map((s) => Buffer.from(s).toString('hex')),
    nodes: pairs.map(([l, r]) => [Buffer.from(l).toString('hex'), Buffer.from(r).toString('hex')]),
  });
  const py = [
    'import hashlib, json, sys',
    'd = json.load(sys.stdin)',
    'leaves = [hashlib.sha256(b"\\x00" + bytes.fromhex(x)).hexdigest() for x in d["leaves"]]',
    'nodes = [hashlib.sha256(b"\\x01" + bytes.fromhex(l) + bytes.fromhex(r)).hexdigest() for l, r in d["nodes"]]',
    'print(json.dumps({"leaves": leaves, "nodes": nodes}))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', py], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const want = JSON.parse(r.stdout);
  assert.deepEqual(samples.map((s) => hashHex(recordHash(s))), want.leaves);
  assert.deepEqual(pairs.map(([l, rr]) => hashHex(nodeHash(l, rr))), want.nodes);
});

test('property: nodeHashInto writes nodeHash into its target, also when the target is one of the inputs', () => {
  const h32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
  fc.assert(
    fc.property(h32, h32, (l, r) => {
      const want = nodeHash(l, r);
      const out = new Uint8Array(32);
      assert.equal(nodeHashInto(l, r, out), out, 'returns its target');
      assert.deepEqual(out, want, 'fresh target');
      const left = l.slice();
      assert.deepEqual(nodeHashInto(left, r, left), want, 'target is left');
      const right = r.slice();
      assert.deepEqual(nodeHashInto(l, right, right), want, 'target is right');
    }),
  );
  assert.throws(() => nodeHashInto(new Uint8Array(32), new Uint8Array(32), new Uint8Array(31)), RangeError);
});
