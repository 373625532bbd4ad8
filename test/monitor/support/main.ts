// A `distsum` entry point for child-process tests that need no build step:
//   node --import tsx test/monitor/support/main.ts log follow ...

import { main } from '../../../src/cli/main.ts';

await main();
