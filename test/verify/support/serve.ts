// Runs `distsum log serve <args>` in this process (the real command, without the rest of the CLI):
// the end-to-end tests start it as a child process, as an operator would.
import { serveMain } from '../../../src/cli/serve.ts';

process.exitCode = await serveMain(process.argv.slice(2));
