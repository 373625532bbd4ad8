// Runs `distsum log serve` on its own (src/cli/serve.ts serveMain) as a child process for tests;
// cluster workers re-run this same file.
import { serveMain } from '../../../src/cli/serve.ts';

process.exitCode = await serveMain(process.argv.slice(2));
