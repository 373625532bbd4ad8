// The web pages in a real browser (Debian's chromium driven by playwright-core): search a project,
// open it, see its hashes, follow a proof link. Hostile names from the index stay text, the strict
// CSP produces no violations, the stylesheet applies, and the pages work at phone width.
// Screenshots are saved under test-artifacts/ for people to look at.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
// page.evaluate takes expressions as strings: this project's TypeScript has no DOM library.
import { runServer } from '../../src/server/serve.ts';
import type { ServerHandle } from '../../src/server/options.ts';
import { HOSTILE_FILE, HOSTILE_VERSION, TOKEN, entry, fixtureOptions, sha256hex } from '../server/support/fixture.ts';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
let tmp: string;
let h: ServerHandle;
let browser: BrowserContext;
const problems: string[] = [];

// A project shaped like a real one: releases with an sdist and wheels, both digests.
const RELEASES = ['2.31.0', '2.32.0', '2.32.3'];
const files = RELEASES.flatMap((v) => [
  entry('requests', v, `requests-${v}.tar.gz`, 131_218),
  entry('requests', v, `requests-${v}-py3-none-any.whl`, 64_928),
]);

async function post(body: unknown): Promise<void> {
  const r = await fetch(`${h.url}/api/v1/entries`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 200);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'distsum-browser-'));
  h = await runServer(fixtureOptions(join(tmp, 'data'), { init: { origin: 'pypi-log.example.org' }, adminToken: TOKEN, now: () => new Date() }));
  const wire = (e: ReturnType<typeof entry>) => ({ project: e.project, version: e.version, filename: e.filename, size: e.size, sha256: e.sha256, blake2b_256: e.blake2b256 });
  await post(files.slice(0, 2).map(wire));
  await post(files.slice(2).map(wire));
  await post([wire(entry('evil', HOSTILE_VERSION, HOSTILE_FILE, 666))]);
  // The index later serves other bytes for a logged file: a critical alert.
  await post([wire(entry('requests', '2.32.3', 'requests-2.32.3.tar.gz', 131_218, 'tampered'))]);
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await browser?.close();
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  return page;
}

test('search a project, see its files and hashes, follow a proof link', async () => {
  const page = await newPage();
  await page.goto(`${h.url}/`);
  assert.equal(await page.title(), 'Known hashes · pypi-log.example.org');
  // The stylesheet applied (the page background is the sheet's, not the browser default).
  assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(245, 246, 248)');
  await page.fill('input[name=q]', 'Requests');
  await Promise.all([page.waitForURL(`${h.url}/project/requests`), page.press('input[name=q]', 'Enter')]);
  assert.equal((await page.textContent('h1'))?.replace(/\s+/g, ' ').trim(), 'requests · 6 files');
  for (const f of files) {
    const card = page.locator('article.file', { has: page.getByRole('link', { name: f.filename, exact: true }) });
    assert.equal(await card.isVisible(), true, f.filename);
    assert.equal(await card.getByText(f.sha256, { exact: true }).isVisible(), true, `sha256 of ${f.filename}`);
    assert.equal(await card.getByText(f.blake2b256!, { exact: true }).isVisible(), true, `blake2b of ${f.filename}`);
  }
  assert.equal(await page.locator('article.file.flagged').count(), 1);
  assert.match((await page.textContent('.notice')) ?? '', /1 critical alert/);
  await page.screenshot({ path: join(ARTIFACTS, 'serve-project.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  // Nothing sticks out sideways on a phone.
  assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true);
  await page.screenshot({ path: join(ARTIFACTS, 'serve-project-phone.png'), fullPage: false });
  await page.setViewportSize({ width: 1280, height: 900 });

  const proofLink = page.locator('#entry-0 a.proof-link');
  await Promise.all([page.waitForURL(`${h.url}/file/requests-2.31.0.tar.gz`), proofLink.click()]);
  const proof = (await page.textContent('pre.proof')) ?? '';
  assert.match(proof, /^c2sp\.org\/tlog-proof@v1\nindex 0\n/);
  assert.equal(proof, await (await fetch(`${h.url}/lookup/requests-2.31.0.tar.gz?format=proof`)).text());
  await page.screenshot({ path: join(ARTIFACTS, 'serve-proof.png'), fullPage: true });
  await page.close();
});

test('hostile names are shown as text and run nothing', async () => {
  const page = await newPage();
  await page.goto(`${h.url}/project/evil`);
  assert.equal(await page.textContent('article.file h3 a'), HOSTILE_FILE);
  assert.equal(await page.textContent('section.release h2'), `${HOSTILE_VERSION} 1 file`);
  assert.equal(await page.evaluate("document.querySelectorAll('script, main b, img').length"), 0);
  await Promise.all([page.waitForURL(/\/file\//), page.click('article.file h3 a')]);
  assert.equal(await page.textContent('h1'), HOSTILE_FILE);
  assert.equal(decodeURIComponent(new URL(page.url()).pathname.slice('/file/'.length)), HOSTILE_FILE);
  await page.close();
});

test('alerts and status pages render; no CSP violation or error anywhere', async () => {
  const page = await newPage();
  await page.goto(`${h.url}/alerts`);
  assert.match((await page.textContent('article.alert h3')) ?? '', /critical\s+hash-changed/);
  assert.equal(await page.getByText(sha256hex('requests-2.32.3.tar.gztampered'), { exact: false }).first().isVisible(), true);
  await page.screenshot({ path: join(ARTIFACTS, 'serve-alerts.png'), fullPage: true });
  await page.goto(`${h.url}/status`);
  assert.match((await page.textContent('pre')) ?? '', /^pypi-log\.example\.org\n7\n/);
  await page.screenshot({ path: join(ARTIFACTS, 'serve-status.png'), fullPage: true });
  await page.goto(`${h.url}/`);
  await page.screenshot({ path: join(ARTIFACTS, 'serve-home.png'), fullPage: true });
  await page.close();
  assert.deepEqual(problems, []);
});
