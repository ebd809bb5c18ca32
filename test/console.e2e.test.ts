/**
 * The console in a real browser (Debian's chromium driven by playwright-core), on a small demo world: sign
 * in with the first admin's password from `agora serve`'s banner, see every page show the API's numbers, use
 * the builders and the global filter, and sign out. Screenshots go to test-artifacts/ (failed.png when a step
 * fails). Without chromium the test is skipped, except in CI (CI or AGORA_E2E set; .ci/run installs chromium
 * and sets AGORA_E2E), where that is a failure.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { agora, serve } from './cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
const available = existsSync(CHROMIUM) && existsSync(path.resolve('web/dist/index.html'));
if (!available && (process.env.CI || process.env.AGORA_E2E))
  throw new Error(
    'The console end-to-end test needs /usr/bin/chromium and a built web/dist (npm run build).',
  );

describe.skipIf(!available)('the console in a browser', () => {
  const data = { dir: '', env: {} as Record<string, string> };
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let password: string;

  beforeAll(async () => {
    data.dir = await mkdtemp(path.join(tmpdir(), 'agora-console-'));
    data.env = { AGORA_DATA_DIR: data.dir };
    const demo = await agora(['demo', '--customers', '600', '--seed', '5', '--no-serve'], data.env);
    expect(demo.code, demo.stderr).toBe(0);
    server = await serve(data.env);
    password = /sign in as admin@agora\.local with password (\S+)/.exec(server.banner)![1]!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await new Promise((resolve) => server?.child.once('exit', resolve));
    await rm(data.dir, { recursive: true, force: true });
  });

  it('signs in, shows the API’s numbers on the Overview, Funnel, Touchpoints, Value, Strategy, customer 360, Personas and Segments pages, builds and saves a segment, makes a write key and an analyst whom the API refuses a change, and goes back to sign-in when the session ends', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // What the browser saw when a step fails: its page and its console's errors, to read after a CI run.
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(ARTIFACTS, 'failed.png'), fullPage: true });
      console.error(`The page at ${page.url()} when the test failed; its errors:\n${errors.join('\n')}`);
    });
    /**
     * Opens a page from the navigation and waits until it shows: a control used before the page changed would
     * act on the page being left (the router changes pages in a transition).
     */
    const open = async (title: string) => {
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title }).click();
      await expect.poll(() => page.locator('main h2').first().textContent()).toBe(title);
    };
    /** A full-page screenshot once the charts' entry animations (one second) are over. */
    const shot = async (name: string) => {
      await page.waitForTimeout(1_200);
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    };
    await page.goto(server.url);
    await page.getByLabel('Email').fill('admin@agora.local');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong email or password.');

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const lifecycle = JSON.parse((await agora(['lifecycle', '--json'], data.env)).stdout);
    const inFunnel = lifecycle.groups[0].stages[0].reached as number;
    await expect
      .poll(() => page.getByTestId('Customers in the funnel').textContent(), { timeout: 10_000 })
      .toBe(inFunnel.toLocaleString('en-US'));
    await page.locator('canvas').first().waitFor();
    await shot('overview');

    const clv = JSON.parse((await agora(['value', 'clv', '--json'], data.env)).stdout);
    await open('Value');
    await expect
      .poll(() => page.getByTestId('Customers valued').textContent(), { timeout: 20_000 })
      .toBe(clv.all.customers.toLocaleString('en-US'));
    await page.locator('main canvas').first().waitFor();
    // Conquest or relations values the customers first: its statements come last.
    await expect
      .poll(
        () =>
          page.locator('figure', { hasText: 'Conquest or relations' }).locator('li').first().textContent(),
        {
          timeout: 20_000,
        },
      )
      .toMatch(/^All customers: (relations pay|conquest pays) more/);
    await shot('value');

    const advice = JSON.parse((await agora(['behaviors', '--json'], data.env)).stdout);
    await open('Strategy');
    await expect
      .poll(() => page.locator('.recommendations li').first().textContent(), { timeout: 20_000 })
      .toContain(advice.strategies[0].strategy.title);
    await shot('strategy');

    // A customer 360, found by an identity through the search form: the most valuable customer's.
    /** A GET through the signed-in browser's session, as the console makes it. */
    const get = <T>(url: string) =>
      page.evaluate((path) => fetch(path).then((response) => response.json()), url) as Promise<T>;
    const { list } = await get<{ list: Array<{ customerId: number }> }>('/api/value/customers?limit=1');
    const top = list[0]!;
    const profile = await get<{ identities: Array<{ kind: string; value: string }> }>(
      `/api/customers/${top.customerId}`,
    );
    const stage = await get<{ stage: string }>(`/api/lifecycle/customers/${top.customerId}`);
    const identity = profile.identities.find((entry) => entry.kind === 'email')!;
    await open('Customers');
    await page.getByLabel('Find a customer by any identity').fill(identity.value);
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.locator('main h2').textContent()).toBe(`Customer ${top.customerId}`);
    await expect.poll(() => page.getByTestId('stage').textContent(), { timeout: 20_000 }).toBe(stage.stage);
    await page.locator('main table').last().locator('tbody tr').first().waitFor();
    await shot('customer');
    await open('Customers');
    await page.getByLabel('Find a customer by any identity').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('nobody@example.com');

    // A custom funnel as the builder runs it, against the CLI's; a refusal shown beside the form.
    const steps = 'Product Viewed, Product Added, Order Completed';
    const funnel = JSON.parse(
      (await agora(['funnel', '--steps', steps.replaceAll(', ', ','), '--window', '30d', '--json'], data.env))
        .stdout,
    );
    await open('Funnel & journeys');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.getByTestId('funnel-last').textContent(), { timeout: 20_000 })
      .toBe(funnel.steps.at(-1).customers.toLocaleString('en-US'));
    await page.locator('main canvas').nth(1).waitFor();
    const toPurchase = await get<{ buyers: number }>('/api/journeys/path-to-purchase');
    const moments = await get<{ moments: number }>('/api/journeys/micro-moments');
    await expect
      .poll(() => page.getByTestId('buyers').textContent())
      .toMatch(new RegExp(`^${toPurchase.buyers.toLocaleString('en-US')} buyers; median \\d+ touchpoints`));
    await expect
      .poll(() => page.getByTestId('moments').textContent())
      .toMatch(new RegExp(`^${moments.moments.toLocaleString('en-US')} moments`));
    await shot('funnel');
    await page.getByLabel('Steps, in order').fill('Product Viewed');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('needs at least two steps');

    // Touchpoints: every model's credit per channel, as the API gives it.
    const attribution = JSON.parse(
      (await agora(['attribution', '--occurrence', 'first', '--json'], data.env)).stdout,
    );
    const topGroup = attribution.comparison[0];
    await open('Touchpoints');
    await expect
      .poll(
        () => page.getByTestId('attribution').locator('tbody tr').first().locator('td').nth(2).textContent(),
        {
          timeout: 20_000,
        },
      )
      .toBe(`${topGroup.conversions.lastTouch.toFixed(0)} (${topGroup.ranks.lastTouch})`);
    await page.getByText('measured lift', { exact: false }).waitFor();
    await shot('touchpoints');

    // Personas: found on demand, then one renamed; the name is kept.
    await open('Personas');
    await page.getByRole('button', { name: 'Find personas' }).click();
    await page.getByTestId('persona').first().waitFor({ timeout: 60_000 });
    const first = page.getByTestId('persona').first();
    await first.getByRole('textbox').fill('Lamp lovers');
    await first.getByRole('button', { name: 'Rename' }).click();
    await expect
      .poll(async () =>
        (await get<{ personas: Array<{ name: string }> }>('/api/personas')).personas.map((p) => p.name),
      )
      .toContain('Lamp lovers');
    await page.locator('main canvas').first().waitFor();
    await shot('personas');

    // The segment builder: its live count against the CLI's evaluation of the same rules, a refusal of an
    // unknown event beside it, then saved.
    const rules = { event: 'Order Completed', within: '30d', count: { op: 'gte', value: 2 } };
    const rulesFile = path.join(data.dir, 'rules.json');
    await writeFile(rulesFile, JSON.stringify(rules));
    const evaluated = JSON.parse(
      (await agora(['segments', 'evaluate', rulesFile, '--json'], data.env)).stdout,
    );
    await open('Segments');
    await page.getByLabel('Times of condition 1').fill('2');
    await expect
      .poll(() => page.getByTestId('live-count').textContent(), { timeout: 20_000 })
      .toBe(evaluated.size.toLocaleString('en-US'));
    await page.getByLabel('Event of condition 1').fill('Order Complete');
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 20_000 })
      .toContain('no event is named "Order Complete"');
    await page.getByLabel('Event of condition 1').fill('Order Completed');
    await page.getByRole('button', { name: 'Add a condition' }).click();
    await page.getByLabel('Combine the conditions').selectOption('any');
    await page.getByLabel('Save as (name)').fill('Frequent or loyal');
    await page.getByLabel('Slug').fill('frequent-or-loyal');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await expect
      .poll(() => page.getByTestId('saved-segments').textContent(), { timeout: 20_000 })
      .toContain('Frequent or loyal');
    await shot('segments');
    // The global filter: the saved segment, kept in the address and across pages, narrows the Overview.
    const narrowed = JSON.parse(
      (await agora(['lifecycle', '--saved-segment', 'frequent-or-loyal', '--json'], data.env)).stdout,
    );
    await open('Overview');
    await page.getByLabel('Segment').selectOption('frequent-or-loyal');
    await expect.poll(() => page.url()).toContain('segment=frequent-or-loyal');
    await expect
      .poll(() => page.getByTestId('Customers in the funnel').textContent())
      .toBe(narrowed.groups[0].stages[0].reached.toLocaleString('en-US'));
    await open('Value');
    await expect.poll(() => page.url()).toContain('/value?segment=frequent-or-loyal');
    await page.getByLabel('Segment').selectOption('');
    // A shared link to a console page loads the console.
    await page.goto(`${server.url}/segments`);
    await expect.poll(() => page.locator('main h2').textContent()).toBe('Segments');
    await page.goto(`${server.url}/no-such-page`);
    await expect.poll(() => page.locator('main h2').textContent()).toBe('Page not found');

    // Settings: a write key (shown once, with the SDK snippet) and an analyst, who then signs in and is
    // refused a change, the API's message beside the form.
    await open('Settings');
    await page.getByRole('button', { name: 'Create write key' }).click();
    await expect.poll(() => page.getByTestId('new-key').textContent()).toMatch(/^wk_|^sk_|\S{20,}/);
    await expect.poll(() => page.locator('pre').textContent()).toContain('@segment/analytics-node');
    await page.getByLabel('Email').fill('ana@example.com');
    await page.getByRole('button', { name: 'Add user' }).click();
    const analystPassword = (await page.getByTestId('new-password').textContent())!;
    await shot('settings');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The sign-in form, once the console is gone (Settings has an Email field of its own).
    const signIn = page.locator('form.sign-in');
    await signIn.waitFor();
    await signIn.getByLabel('Email').fill('ana@example.com');
    await signIn.getByLabel('Password').fill(analystPassword);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('nav .who').textContent()).toBe('ana@example.com (analyst)');
    await open('Segments');
    await page.getByLabel('Save as (name)').fill('Mine');
    await page.getByLabel('Slug').fill('mine');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('An analyst account only reads: ask an admin to make this change.');

    // A session that ended elsewhere (here: a cookie the server does not know) sends the user back to the
    // sign-in form, which says why.
    await page.context().addCookies([{ name: 'agora_session', value: 'gone', url: server.url }]);
    await page.getByRole('link', { name: 'Value' }).click();
    await signIn.waitFor();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('You are signed out: sign in again.');
    await page.close();
  }, 120_000);
});
