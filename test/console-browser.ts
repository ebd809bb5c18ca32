/**
 * The console in a real browser for the e2e tests: Debian's chromium driven by playwright-core, `agora serve`
 * on a small demo world of its own, and the first admin signed in. Each e2e file calls `consoleInBrowser` once
 * at its top; the helpers open pages as a user does and save screenshots under test-artifacts/ (and
 * `<file>-failed.png` with the browser's errors when a step fails). Without chromium the files are skipped,
 * except in CI (CI or AGORA_E2E set; .ci/run installs chromium and sets AGORA_E2E), where that is a failure.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFailed } from 'vitest';
import { CHROMIUM, launchChromium } from './chromium.ts';
import { agora, serve } from './cli.ts';

const ARTIFACTS = path.resolve('test-artifacts');

export const browserAvailable = existsSync(CHROMIUM) && existsSync(path.resolve('web/dist/index.html'));
if (!browserAvailable && (process.env.CI || process.env.AGORA_E2E))
  throw new Error(
    'The console end-to-end tests need /usr/bin/chromium and a built web/dist (npm run build).',
  );

export interface ConsoleInBrowser {
  /** The data directory's environment, for `agora` runs that give the expected numbers. */
  readonly env: Record<string, string>;
  readonly dir: string;
  readonly url: string;
  /** The first admin's password, from the serve banner. */
  readonly password: string;
  /** A fresh page (1280 × 800), its errors reported when the test fails. */
  newPage(): Promise<Page>;
  /** Signs in on the sign-in form and waits for the console. */
  signIn(page: Page, email: string, password: string): Promise<void>;
  /**
   * Opens a page from the navigation and waits until it shows: a control used before the page changed would
   * act on the page being left (the router changes pages in a transition).
   */
  open(page: Page, title: string): Promise<void>;
  /** A full-page screenshot once the charts' entry animations (one second) are over. */
  shot(page: Page, name: string): Promise<void>;
  /** `agora … --json` on the test's data directory, parsed. */
  json<T>(args: string[]): Promise<T>;
  /** A GET through the page's signed-in session, as the console makes it. */
  get<T>(page: Page, url: string): Promise<T>;
}

export function consoleInBrowser(name: string, customers = 600): ConsoleInBrowser {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  const state = { dir: '', env: {} as Record<string, string>, url: '', password: '' };

  beforeAll(async () => {
    state.dir = await mkdtemp(path.join(tmpdir(), `agora-${name}-`));
    state.env = { AGORA_DATA_DIR: state.dir };
    const demo = await agora(
      ['demo', '--customers', String(customers), '--seed', '5', '--no-serve'],
      state.env,
    );
    expect(demo.code, demo.stderr).toBe(0);
    server = await serve(state.env);
    state.url = server.url;
    state.password = /sign in as admin@agora\.local with password (\S+)/.exec(server.banner)![1]!;
    browser = await launchChromium();
    await mkdir(ARTIFACTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await new Promise((resolve) => server?.child.once('exit', resolve));
    await rm(state.dir, { recursive: true, force: true });
  });

  return {
    get env() {
      return state.env;
    },
    get dir() {
      return state.dir;
    },
    get url() {
      return state.url;
    },
    get password() {
      return state.password;
    },
    async newPage() {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      onTestFailed(async () => {
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}-failed.png`), fullPage: true });
        console.error(
          `${name}: the page at ${page.url()} when the test failed; its errors:\n${errors.join('\n')}`,
        );
      });
      return page;
    },
    async signIn(page, email, password) {
      const form = page.locator('form.sign-in');
      await form.waitFor();
      await form.getByLabel('Email').fill(email);
      await form.getByLabel('Password').fill(password);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('nav .who').textContent()).toContain(email);
    },
    async open(page, title) {
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title }).click();
      await expect.poll(() => page.locator('main h2').first().textContent()).toBe(title);
    },
    async shot(page, shotName) {
      await page.waitForTimeout(1_200);
      await page.screenshot({ path: path.join(ARTIFACTS, `${shotName}.png`), fullPage: true });
    },
    async json(args) {
      const run = await agora([...args, '--json'], state.env);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout);
    },
    get<T>(page: Page, url: string) {
      return page.evaluate(
        (address) => fetch(address).then((response) => response.json()),
        url,
      ) as Promise<T>;
    },
  };
}
