// `distsum sign`: sign an existing release manifest with an SSH key (SSHSIG, namespace "distsum").

import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { out } from './context.ts';
import { readRequired } from '../readbounded.ts';
import { parseManifest, MAX_MANIFEST_BYTES } from '../manifest/manifest.ts';
import { manifestSigner } from './signing.ts';
import { printJson } from './format.ts';
import { display } from './hash.ts';

/** Registers `distsum sign`. */
export function registerSign(program: Command, ctx: CliContext): void {
  program
    .command('sign')
    .summary('sign a release manifest with an SSH key')
    .description(
      'Write MANIFEST.sig, an OpenSSH signature (SSHSIG, namespace "distsum") that anyone can check with\n' +
        '`ssh-keygen -Y verify` or `distsum manifest verify`. Keys: ed25519, ecdsa, rsa; encrypted keys ask\n' +
        'for their passphrase on a terminal or read DISTSUM_KEY_PASSPHRASE; give a .pub to sign with ssh-agent.',
    )
    .argument('<manifest>', 'the release manifest (<name>-<version>.hashes.txt)')
    .requiredOption('-k, --key <path>', 'SSH private key, or the .pub of a key held by ssh-agent')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  distsum sign dist/example_pkg-1.2.0.hashes.txt --key ~/.ssh/id_ed25519
  distsum sign dist/example_pkg-1.2.0.hashes.txt --key ~/.ssh/id_ed25519.pub   # key in ssh-agent
  ssh-keygen -Y verify -f allowed_signers -I you@example.org -n distsum \\
      -s dist/example_pkg-1.2.0.hashes.txt.sig < dist/example_pkg-1.2.0.hashes.txt`,
    )
    .action(async (manifest: string, opts: { key: string; json?: boolean }) => {
      const path = resolve(ctx.cwd, manifest);
      const bytes = await readRequired(path, MAX_MANIFEST_BYTES, { what: 'manifest' });
      // Only sign what is a manifest: signing arbitrary files with the distsum namespace would let a
      // signature be replayed on something the signer never meant as a release statement.
      parseManifest(Buffer.from(bytes).toString('utf8'));
      const sign = await manifestSigner(ctx, opts.key);
      const sigPath = await sign(path, bytes);
      if (opts.json) printJson(ctx, { manifest: path, signature: sigPath });
      else out(ctx, `Signed ${display(ctx, path)} -> ${display(ctx, sigPath)}`);
    });
}
