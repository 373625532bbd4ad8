// Child process of crash.test.ts (not a test itself): imports a JSON-lines file into the log in
// `dir` as its writer (in bulk mode when the fourth argument is "bulk"), printing "ack N" after
// each committed batch, where N counts the input's claims committed so far (in input order). The
// parent kills it with SIGKILL at random moments.

import { createReadStream } from 'node:fs';
import { openDataDir } from '../../src/log/datadir.ts';
import { runImport } from '../../src/log/import.ts';
import { jsonLinesChunks } from '../../src/log/importthread.ts';

const [dir, input, batchArg, journal] = process.argv.slice(2);
const batch = Number(batchArg);
const log = await openDataDir(dir, { writer: true, now: () => new Date(), maxBatch: batch, bulk: journal === 'bulk' });
// Pipes to the parent are synchronous on Linux: each line is out before the next batch starts.
process.stdout.write('ready\n');
// The import path of `distsum log import`: lines parsed in a worker thread.
await runImport((b) => log.writer!.appendBatch(b), jsonLinesChunks(createReadStream(input), input, log.writer!.keySeed, { chunkClaims: batch }), {
  strict: false,
  batch,
  onProblem: (p) => {
    throw new Error(`unexpected problem ${p.where}: ${p.message}`);
  },
  onAppended: (s) => process.stdout.write(`ack ${s.appended + s.present + s.conflicts}\n`),
});
await log.close();
process.stdout.write('done\n');
