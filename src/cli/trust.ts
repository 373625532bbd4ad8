// `distsum trust add|list|remove`: the trust policies saying where a project's release manifests live
// and which SSH keys may sign them, kept in the nearest distsum.toml (or, with --user, the user's
// config.toml). Rewrites keep the rest of the file as it was: comments, other tables, formatting.

import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CliContext } from './context.ts';
import { out } from './context.ts';
import { printJson, renderTable, safeText } from './format.ts';
import { UsageError } from '../errors.ts';
import { writeFileAtomic } from '../config/atomic.ts';
import { parseConfig } from '../config/config.ts';
import { findProjectConfig, loadConfig, PROJECT_CONFIG_NAME, readConfigText, userConfigPath } from '../config/load.ts';
import { templateProblem } from '../config/template.ts';
import { removeTrustPolicy, setTrustPolicy } from '../config/tomledit.ts';
import type { PolicyFields } from '../config/tomledit.ts';
import { userDirs } from '../config/xdg.ts';
import { normalizeProjectName } from '../dist/name.ts';
import { MAX_ALLOWED_SIGNERS_TEXT, parseAllowedSigners } from '../manifest/allowed-signers.ts';
import { readLockText } from '../verify/locks/io.ts';

const PROJECT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/;

interface Where {
  user?: boolean;
  config?: string;
}

/**
 * The configuration file `trust add/remove` edit: --config, else with --user the user's
 * config.toml, else the nearest distsum.toml at or above the working directory, else a new one in
 * it (only when `create`). Returns the path and whether it exists.
 */
async function targetFile(ctx: CliContext, w: Where, create: boolean): Promise<string> {
  const home = ctx.env.HOME || homedir();
  if (w.config !== undefined) return resolve(ctx.cwd, w.config);
  if (w.user) return userConfigPath(userDirs(ctx.env, home));
  const found = await findProjectConfig(ctx.cwd, home);
  if (found !== undefined) return found;
  if (!create) throw new UsageError(`no ${PROJECT_CONFIG_NAME} in ${ctx.cwd} or above it (use --user for your own config)`);
  return join(ctx.cwd, PROJECT_CONFIG_NAME);
}

function projectName(raw: string): string {
  if (!PROJECT_NAME.test(raw)) throw new UsageError(`${JSON.stringify(raw.slice(0, 80))} is not a project name`);
  return normalizeProjectName(raw);
}

// How the signers path is written: relative to the config file when it lies below it, else absolute.
function signersAsWritten(configPath: string, signers: string): string {
  const rel = relative(dirname(configPath), signers);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : signers;
}

async function writeConfig(path: string, text: string): Promise<void> {
  // Validate the whole file as distsum reads it before replacing anything.
  parseConfig(text, path);
  const mode = (await stat(path).catch(() => undefined))?.mode;
  await writeFileAtomic(path, text, mode === undefined ? 0o644 : mode & 0o777);
}

interface AddOptions extends Where {
  manifest: string;
  signature?: string;
  signers?: string;
  identity?: string;
  requireLog?: boolean;
}

/** Registers `distsum trust` and its subcommands. */
export function registerTrust(program: Command, ctx: CliContext): void {
  const trust = program
    .command('trust')
    .summary('manage trust policies: where projects publish signed release manifests')
    .description(
      [
        'A trust policy tells distsum verify where a project publishes its release',
        'manifests (a URL template with {name} and {version}; https://, file://, or',
        'http:// to loopback only) and, optionally, which SSH keys (an OpenSSH',
        'allowed_signers file) may sign them. Policies live in the nearest',
        'distsum.toml (or, with --user, in ~/.config/distsum/config.toml); editing',
        "keeps the file's comments and other tables.",
      ].join('\n'),
    );

  trust
    .command('add')
    .summary('add or replace the trust policy of a project')
    .argument('<project>', 'the project name')
    .requiredOption('--manifest <url-template>', 'where its release manifests are, with {name} (as in file names) and {version}')
    .option('--signature <url-template>', "where each manifest's SSHSIG is (default: the manifest URL + .sig)")
    .option('--signers <file>', 'OpenSSH allowed_signers file: manifests must be signed by a key listed there')
    .option('-I, --identity <principal>', 'the signer identity required (default: any principal listed for the key)')
    .option('--require-log', 'fail files of this project that the log does not know, even without --strict')
    .option('--user', 'write to your own config.toml instead of the nearest distsum.toml')
    .option('--config <file>', 'write to this file')
    .addHelpText(
      'after',
      `
Examples:
  distsum trust add example-pkg --manifest 'https://example.org/releases/{name}-{version}.hashes.txt'
  distsum trust add example-pkg \\
      --manifest 'https://github.com/example/pkg/releases/download/v{version}/{name}-{version}.hashes.txt' \\
      --signers .distsum/allowed_signers --identity maintainer@example.org`,
    )
    .action(async (rawProject: string, o: AddOptions) => {
      const project = projectName(rawProject);
      for (const [what, t] of [['--manifest', o.manifest], ['--signature', o.signature]] as const) {
        if (t === undefined) continue;
        const p = templateProblem(t);
        if (p) throw new UsageError(`${what}: ${p}`);
      }
      if (o.identity !== undefined && o.signers === undefined) throw new UsageError('--identity needs --signers (the allowed_signers file)');
      if (o.signature !== undefined && o.signers === undefined) throw new UsageError('--signature needs --signers (a signature is only checked against allowed signers)');
      const path = await targetFile(ctx, o, true);
      const fields: PolicyFields = { manifest: o.manifest };
      if (o.signature !== undefined) fields.signature = o.signature;
      if (o.signers !== undefined) {
        const signers = resolve(ctx.cwd, o.signers);
        parseAllowedSigners(await readLockText(signers, MAX_ALLOWED_SIGNERS_TEXT), signers);
        fields.signers = signersAsWritten(path, signers);
      }
      if (o.identity !== undefined) fields.identity = o.identity;
      if (o.requireLog) fields.requireLog = true;
      const before = (await readConfigText(path)) ?? '';
      await writeConfig(path, setTrustPolicy(before, project, fields, path));
      out(ctx, `trust policy for ${project} written to ${path}`);
    });

  trust
    .command('list')
    .summary('show the trust policies in effect here')
    .option('--config <file>', 'use this distsum.toml instead of searching for one')
    .option('--json', 'print the policies as JSON')
    .action(async (o: { config?: string; json?: boolean }) => {
      const home = ctx.env.HOME || homedir();
      const cfg = await loadConfig({ startDir: ctx.cwd, dirs: userDirs(ctx.env, home), env: ctx.env, home, explicit: o.config === undefined ? undefined : resolve(ctx.cwd, o.config) });
      const policies = [...cfg.trust.values()].sort((a, b) => (a.project < b.project ? -1 : 1));
      if (o.json) {
        printJson(ctx, {
          files: cfg.files,
          policies: policies.map((p) => ({
            project: p.project,
            manifest: p.manifest,
            signature: p.signature ?? null,
            signers: p.signers ?? null,
            identity: p.identity ?? null,
            require_log: p.requireLog ?? false,
            source: p.source,
          })),
        });
        return;
      }
      if (policies.length === 0) {
        out(ctx, `no trust policies (${cfg.files.length ? `read ${cfg.files.join(', ')}` : 'no configuration files found'})`);
        return;
      }
      const rows = policies.map((p) => [p.project, p.manifest, p.signers ? `${p.signers}${p.identity ? ` (${p.identity})` : ''}` : '-', p.source].map(safeText));
      ctx.stdout.write(renderTable(['PROJECT', 'MANIFEST', 'SIGNERS', 'FROM'], rows));
    });

  trust
    .command('remove')
    .summary('remove the trust policy of a project')
    .argument('<project>', 'the project name')
    .option('--user', 'remove it from your own config.toml')
    .option('--config <file>', 'remove it from this file')
    .action(async (rawProject: string, o: Where) => {
      const project = projectName(rawProject);
      const path = await targetFile(ctx, o, false);
      const before = await readConfigText(path);
      const after = before === undefined ? undefined : removeTrustPolicy(before, project, path);
      if (after === undefined) throw new UsageError(`${path} has no trust policy for ${project}${o.user ? '' : ' (use --user for your own config)'}`);
      await writeConfig(path, after);
      out(ctx, `trust policy for ${project} removed from ${path}`);
    });
}
