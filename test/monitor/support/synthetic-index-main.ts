// Runs the synthetic index in its own process (for the follow benchmark, so the index and the
// follower do not share a CPU): prints its simple URL on the first line of stdout, then serves
// until stdin closes.
//
//   node --import tsx test/monitor/support/synthetic-index-main.ts <projects> [delayMs] [filesPerProject]

import { startSyntheticIndex } from './synthetic-index.ts';

const [projects = '1000', delayMs = '0', files = '2'] = process.argv.slice(2);
const idx = await startSyntheticIndex({ projects: Number(projects), delayMs: Number(delayMs), filesPerProject: Number(files) });
process.stdout.write(`${idx.simpleUrl}\n`);
process.stdin.resume();
process.stdin.on('end', () => void idx.close().then(() => process.exit(0)));
