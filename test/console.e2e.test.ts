/**
 * The console's main walk in a real browser: sign in with the first admin's password from `agora serve`'s
 * banner, see every page show the API's numbers, use the builders and the global filter, make a write key and
 * an analyst, and sign out (test/console-browser.ts sets the browser and the demo world up).
 */

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_OPENING_VIEWS, CONSOLE_PAGES } from '../src/platform/http/console.routes.ts';
import { agora } from './cli.ts';
import { browserAvailable, consoleInBrowser } from './console-browser.ts';

describe.skipIf(!browserAvailable)('the console in a browser', () => {
  const app = consoleInBrowser('console');

  it('signs in, shows the API’s numbers on the Overview, Funnel, Touchpoints, Value, Strategy, customer 360, Personas and Segments pages, builds and saves a segment, makes a write key and an analyst whom the API refuses a change, and goes back to sign-in when the session ends', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await page.getByLabel('Email').fill('admin@agora.local');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong email or password.');

    await page.getByLabel('Password').fill(app.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const lifecycle = JSON.parse((await agora(['lifecycle', '--json'], app.env)).stdout);
    const inFunnel = lifecycle.groups[0].stages[0].reached as number;
    await expect
      .poll(() => page.getByTestId('Customers in the funnel').textContent(), { timeout: 10_000 })
      .toBe(inFunnel.toLocaleString('en-US'));
    const risk = await app.json<{ atRisk: { spent: number } }>(['value', 'risk']);
    await expect
      .poll(() => page.getByTestId('Spent by repeat customers slipping away').textContent())
      .toBe(Math.round(risk.atRisk.spent).toLocaleString('en-US'));
    // The funnel, the radar and the two trends.
    await expect.poll(() => page.locator('main canvas').count()).toBe(4);
    await app.shot(page, 'overview');
    // On a tablet held upright: the navigation above the page, nothing wider than the screen.
    await page.setViewportSize({ width: 768, height: 1024 });
    const nav = (await page.getByRole('navigation', { name: 'Pages' }).boundingBox())!;
    const main = (await page.locator('main').boundingBox())!;
    expect(nav.y + nav.height).toBeLessThanOrEqual(main.y);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
    await app.shot(page, 'overview-tablet');
    await page.setViewportSize({ width: 1280, height: 800 });

    const clv = JSON.parse((await agora(['value', 'clv', '--json'], app.env)).stdout);
    await app.open(page, 'Value');
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
    await app.shot(page, 'value');

    const advice = JSON.parse((await agora(['behaviors', '--json'], app.env)).stdout);
    await app.open(page, 'Strategy');
    await expect
      .poll(() => page.locator('.recommendations li').first().textContent(), { timeout: 20_000 })
      .toContain(advice.strategies[0].strategy.title);
    await app.shot(page, 'strategy');

    // A customer 360, found by an identity through the search form: the most valuable customer's.
    const { list } = await app.get<{ list: Array<{ customerId: number }> }>(
      page,
      '/api/value/customers?limit=1',
    );
    const top = list[0]!;
    const profile = await app.get<{ identities: Array<{ kind: string; value: string }> }>(
      page,
      `/api/customers/${top.customerId}`,
    );
    const stage = await app.get<{ stage: string }>(page, `/api/lifecycle/customers/${top.customerId}`);
    const identity = profile.identities.find((entry) => entry.kind === 'email')!;
    await app.open(page, 'Customers');
    await page.getByLabel('Find a customer by any identity').fill(identity.value);
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.locator('main h2').textContent()).toBe(`Customer ${top.customerId}`);
    await expect.poll(() => page.getByTestId('stage').textContent(), { timeout: 20_000 }).toBe(stage.stage);
    await page.locator('main table').last().locator('tbody tr').first().waitFor();
    await app.shot(page, 'customer');
    await app.open(page, 'Customers');
    await page.getByLabel('Find a customer by any identity').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('nobody@example.com');

    // A custom funnel as the builder runs it, against the CLI's; a refusal shown beside the form.
    const steps = 'Product Viewed, Product Added, Order Completed';
    const funnel = JSON.parse(
      (await agora(['funnel', '--steps', steps.replaceAll(', ', ','), '--window', '30d', '--json'], app.env))
        .stdout,
    );
    await app.open(page, 'Funnel & journeys');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.getByTestId('funnel-last').textContent(), { timeout: 20_000 })
      .toBe(funnel.steps.at(-1).customers.toLocaleString('en-US'));
    await page.locator('main canvas').nth(1).waitFor();
    const toPurchase = await app.get<{ buyers: number }>(page, '/api/journeys/path-to-purchase');
    const moments = await app.get<{ moments: number }>(page, '/api/journeys/micro-moments');
    await expect
      .poll(() => page.getByTestId('buyers').textContent())
      .toMatch(new RegExp(`^${toPurchase.buyers.toLocaleString('en-US')} buyers; median \\d+ touchpoints`));
    await expect
      .poll(() => page.getByTestId('moments').textContent())
      .toMatch(new RegExp(`^${moments.moments.toLocaleString('en-US')} moments`));
    await app.shot(page, 'funnel');
    await page.getByLabel('Steps, in order').fill('Product Viewed');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('needs at least two steps');

    // Touchpoints: every model's credit per channel, as the API gives it.
    const attribution = JSON.parse(
      (await agora(['attribution', '--occurrence', 'first', '--json'], app.env)).stdout,
    );
    const topGroup = attribution.comparison[0];
    await app.open(page, 'Touchpoints');
    await expect
      .poll(
        () => page.getByTestId('attribution').locator('tbody tr').first().locator('td').nth(2).textContent(),
        {
          timeout: 20_000,
        },
      )
      .toBe(`${topGroup.conversions.lastTouch.toFixed(0)} (${topGroup.ranks.lastTouch})`);
    await page.getByText('measured lift', { exact: false }).waitFor();
    await app.shot(page, 'touchpoints');

    // Personas: found on demand, then one renamed; the name is kept.
    await app.open(page, 'Personas');
    await page.getByRole('button', { name: 'Find personas' }).click();
    await page.getByTestId('persona').first().waitFor({ timeout: 60_000 });
    const first = page.getByTestId('persona').first();
    await first.getByRole('textbox').fill('Lamp lovers');
    await first.getByRole('button', { name: 'Rename' }).click();
    await expect
      .poll(async () =>
        (await app.get<{ personas: Array<{ name: string }> }>(page, '/api/personas')).personas.map(
          (p) => p.name,
        ),
      )
      .toContain('Lamp lovers');
    await page.locator('main canvas').first().waitFor();
    await app.shot(page, 'personas');

    // The segment builder: its live count against the CLI's evaluation of the same rules, a refusal of an
    // unknown event beside it, then saved.
    const rules = { event: 'Order Completed', within: '30d', count: { op: 'gte', value: 2 } };
    const rulesFile = path.join(app.dir, 'rules.json');
    await writeFile(rulesFile, JSON.stringify(rules));
    const evaluated = JSON.parse(
      (await agora(['segments', 'evaluate', rulesFile, '--json'], app.env)).stdout,
    );
    await app.open(page, 'Segments');
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
    await app.shot(page, 'segments');
    // The global filter: the saved segment, kept in the address and across pages, narrows the Overview.
    const narrowed = JSON.parse(
      (await agora(['lifecycle', '--saved-segment', 'frequent-or-loyal', '--json'], app.env)).stdout,
    );
    await app.open(page, 'Overview');
    await page.getByLabel('Segment').selectOption('frequent-or-loyal');
    await expect.poll(() => page.url()).toContain('segment=frequent-or-loyal');
    await expect
      .poll(() => page.getByTestId('Customers in the funnel').textContent())
      .toBe(narrowed.groups[0].stages[0].reached.toLocaleString('en-US'));
    await app.open(page, 'Value');
    await expect.poll(() => page.url()).toContain('/value?segment=frequent-or-loyal');
    await page.getByLabel('Segment').selectOption('');
    // A shared link to a console page loads the console.
    await page.goto(`${app.url}/segments`);
    await expect.poll(() => page.locator('main h2').textContent()).toBe('Segments');
    await page.goto(`${app.url}/no-such-page`);
    await expect.poll(() => page.locator('main h2').textContent()).toBe('Page not found');

    // Settings: a write key (shown once, with the SDK snippet) and an analyst, who then signs in and is
    // refused a change, the API's message beside the form.
    await app.open(page, 'Settings');
    await page.getByRole('button', { name: 'Create write key' }).click();
    await expect.poll(() => page.getByTestId('new-key').textContent()).toMatch(/^wk_|^sk_|\S{20,}/);
    await expect.poll(() => page.locator('pre').textContent()).toContain('@segment/analytics-node');
    await page.getByRole('textbox', { name: 'Email' }).fill('ana@example.com');
    await page.getByRole('button', { name: 'Add user' }).click();
    const analystPassword = (await page.getByTestId('new-password').textContent())!;
    await app.shot(page, 'settings');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The sign-in form, once the console is gone (Settings has an Email field of its own).
    const signIn = page.locator('form.sign-in');
    await signIn.waitFor();
    await signIn.getByLabel('Email').fill('ana@example.com');
    await signIn.getByLabel('Password').fill(analystPassword);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('nav .who').textContent()).toBe('ana@example.com (analyst)');
    await app.open(page, 'Segments');
    await page.getByLabel('Save as (name)').fill('Mine');
    await page.getByLabel('Slug').fill('mine');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('An analyst account only reads: ask an admin to make this change.');

    // A session that ended elsewhere (here: a cookie the server does not know) sends the user back to the
    // sign-in form, which says why.
    await page.context().addCookies([{ name: 'agora_session', value: 'gone', url: app.url }]);
    await page.getByRole('link', { name: 'Value' }).click();
    await signIn.waitFor();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('You are signed out: sign in again.');
    await page.close();
  }, 120_000);

  it('asks, as its pages open without a filter, for exactly the answers the server makes ahead', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    const asked = new Set<string>();
    page.on('request', (request) => {
      const address = new URL(request.url());
      if (request.method() === 'GET' && address.pathname.startsWith('/api/'))
        asked.add(address.pathname + address.search);
    });
    for (const pagePath of CONSOLE_PAGES) await page.goto(app.url + pagePath, { waitUntil: 'networkidle' });
    // Not made ahead: who is signed in (never kept), and the first account's committee, whose address comes
    // from the list of accounts.
    const madeAhead = [...asked].filter(
      (url) => url !== '/api/session' && !/^\/api\/lifecycle\/accounts\/\d+$/.test(url),
    );
    expect(madeAhead.sort()).toEqual([...CONSOLE_OPENING_VIEWS].sort());
    await page.close();
  }, 60_000);
});
