// Where alerts go besides the store: a line on stdout (human or JSON lines), a hook command with
// the alert in environment variables (certspotter's model), and a webhook POST. A channel that
// fails reports why (one line) and never stops the follower; every channel bounds its time.

import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { isLoopback } from '../index/url.ts';
import { UsageError, errorMessage } from '../errors.ts';
import { alertLine, alertRecord, type OutgoingAlert } from './format.ts';

/** A delivery channel. `send` resolves when delivered; it rejects with a one-line Error when it gave up. */
export interface AlertChannel {
  /** For messages: "stdout", "exec", "webhook https://...". */
  readonly name: string;
  send(a: OutgoingAlert): Promise<void>;
}

/** Writes one line per alert to `write`: alertLine, or (json) the alert record as one JSON line. */
export function lineChannel(write: (line: string) => void, origin: string, json: boolean): AlertChannel {
  return {
    name: 'stdout',
    async send(a) {
      write(json ? JSON.stringify(alertRecord(a, origin)) : alertLine(a));
    },
  };
}

/** Largest environment value passed to a hook (Linux caps one string at 128 KiB). */
export const MAX_HOOK_VALUE = 64 * 1024;

/**
 * The environment a hook runs with: `base` plus DISTSUM_ALERT_ID, _KIND, _SEVERITY, _PROJECT,
 * _FILENAME, _VERSION, _CREATED, _SUMMARY, _DETAILS (JSON), _JSON (the whole record),
 * DISTSUM_ALERT_TEST (1 for --test-alert samples) and DISTSUM_LOG_ORIGIN. Absent values are empty
 * strings; JSON values larger than MAX_HOOK_VALUE are replaced by {"truncated":true}.
 */
export function hookEnv(a: OutgoingAlert, origin: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rec = alertRecord(a, origin);
  const bounded = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > MAX_HOOK_VALUE ? '{"truncated":true}' : s;
  };
  return {
    ...base,
    DISTSUM_ALERT_ID: rec.id === null ? '' : String(rec.id),
    DISTSUM_ALERT_KIND: rec.kind,
    DISTSUM_ALERT_SEVERITY: rec.severity,
    DISTSUM_ALERT_PROJECT: rec.project,
    DISTSUM_ALERT_FILENAME: rec.filename ?? '',
    DISTSUM_ALERT_VERSION: rec.version ?? '',
    DISTSUM_ALERT_CREATED: rec.created,
    DISTSUM_ALERT_SUMMARY: rec.summary,
    DISTSUM_ALERT_DETAILS: bounded(rec.details),
    DISTSUM_ALERT_JSON: bounded(rec),
    DISTSUM_ALERT_TEST: rec.kind === 'test-alert' ? '1' : '',
    DISTSUM_LOG_ORIGIN: origin,
  };
}

/** Options of execChannel. */
export interface ExecOptions {
  /** Kill the hook (and its process group) after this long (default 30 s). */
  timeoutMs?: number;
  /** Environment the hook inherits (the alert variables are added). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Shell that runs the command (default /bin/sh). */
  shell?: string;
}

// Output kept from a failing hook, for the message.
const MAX_HOOK_OUTPUT = 2048;

/**
 * Runs `command` with `sh -c` once per alert, the alert in environment variables (see hookEnv),
 * stdin closed. Fails when it exits non-zero, is killed, or runs longer than the timeout (it is
 * then killed with its process group); the message holds the start of its stderr.
 */
export function execChannel(command: string, origin: string, opts: ExecOptions): AlertChannel {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    name: 'exec',
    send(a) {
      return new Promise<void>((resolve, reject) => {
        const child = spawn(opts.shell ?? '/bin/sh', ['-c', command], {
          env: hookEnv(a, origin, opts.env),
          cwd: opts.cwd,
          stdio: ['ignore', 'ignore', 'pipe'],
          detached: true,
        });
        let stderr = '';
        let timedOut = false;
        child.stderr.on('data', (d: Buffer) => {
          if (stderr.length < MAX_HOOK_OUTPUT) stderr += d.toString('utf8').slice(0, MAX_HOOK_OUTPUT - stderr.length);
        });
        const kill = () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        const timer = setTimeout(() => {
          timedOut = true;
          kill();
        }, timeoutMs);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(new Error(`hook command could not start: ${errorMessage(e)}`));
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const said = stderr.trim() === '' ? '' : `: ${stderr.trim().replace(/\s+/g, ' ').slice(0, 300)}`;
          if (timedOut) reject(new Error(`hook command ran longer than ${timeoutMs} ms and was killed${said}`));
          else if (code !== 0) reject(new Error(`hook command ${signal ? `was killed by ${signal}` : `exited with status ${code}`}${said}`));
          else resolve();
        });
      });
    },
  };
}

/** A POST as the webhook channel sends it. Resolves with the HTTP status. */
export type PostJson = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<number>;

/** The default PostJson: global fetch, redirects not followed (a redirect is a failure). */
export const fetchPost: PostJson = async (url, body, headers, timeoutMs) => {
  const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  // Drain the answer so the connection can be reused; its content does not matter.
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
};

/** Options of webhookChannel. */
export interface WebhookOptions {
  userAgent: string;
  /** Attempts in all (default 5). */
  attempts?: number;
  /** First wait between attempts, doubling (default 1 s). */
  baseDelayMs?: number;
  /** Per-attempt time limit (default 10 s). */
  timeoutMs?: number;
  post?: PostJson;
  sleep?: (ms: number) => Promise<void>;
}

/** Why `url` cannot be a webhook (https, or http to a loopback host; no credentials), or undefined. */
export function webhookUrlProblem(url: string, allowHttp = false): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${JSON.stringify(url.slice(0, 200))} is not a URL`;
  }
  if (u.username || u.password) return 'put webhook credentials in a path token, not in user:password@';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && (allowHttp || isLoopback(u.hostname))) return undefined;
  return `webhook ${u.protocol}//${u.host} must be https (http only to a loopback host)`;
}

/**
 * POSTs `{"alert": <record>}` as JSON to `url`. A 2xx answer is delivery; 408, 429, 5xx, timeouts
 * and network errors are retried with doubling waits, at most `attempts` times; anything else fails
 * at once. Throws UsageError for a URL webhookUrlProblem refuses.
 */
export function webhookChannel(url: string, origin: string, opts: WebhookOptions): AlertChannel {
  const problem = webhookUrlProblem(url);
  if (problem) throw new UsageError(problem);
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const post = opts.post ?? fetchPost;
  const sleep = opts.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const shown = new URL(url);
  const name = `webhook ${shown.origin}${shown.pathname.length > 1 ? '/...' : '/'}`;
  return {
    name,
    async send(a) {
      const body = JSON.stringify({ alert: alertRecord(a, origin) });
      const headers = { 'content-type': 'application/json', 'user-agent': opts.userAgent };
      let last = '';
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await sleep(base * 2 ** (i - 1));
        try {
          const status = await post(url, body, headers, timeoutMs);
          if (status >= 200 && status < 300) return;
          last = `HTTP ${status}`;
          if (!(status === 408 || status === 429 || status >= 500)) break;
        } catch (e) {
          last = errorMessage(e);
        }
      }
      throw new Error(`${name}: not delivered (${last})`);
    },
  };
}
