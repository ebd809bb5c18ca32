/**
 * The people pages in a real browser: the CLV distribution on the Value page, the customer 360's persona
 * before and after personas are found, and the behaviour radar per persona on the Personas page — each
 * showing the API's numbers (test/console-browser.ts sets the browser and the demo world up).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserAvailable, consoleInBrowser } from './console-browser.ts';

interface Distribution {
  customers: number;
  total: number;
  bins: Array<{ from: number; to: number | null; customers: number; value: number }>;
}
interface BehaviorGroup {
  key: string;
  activeCustomers: number;
  behaviors: Array<{ behavior: string; index: number }>;
}
interface CustomerPersona {
  run: { runId: number } | null;
  persona: { personaId: number; name: string } | null;
}

const money = (value: number) => Math.round(value).toLocaleString('en-US');
const range = (bin: Distribution['bins'][number]) =>
  bin.to === null ? `${money(bin.from)} or more` : `${money(bin.from)}–${money(bin.to)}`;
/** A table's body as text, cell by cell. */
const cells = async (page: Page, testId: string) => {
  const rows = await page.getByTestId(testId).locator('tbody tr').all();
  return Promise.all(rows.map((row) => row.locator('td').allTextContents()));
};

describe.skipIf(!browserAvailable)('the people pages in a browser', () => {
  const app = consoleInBrowser('people');

  it('shows the CLV distribution, a customer’s persona and each persona’s behaviour radar as the API gives them', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);

    // Value: a fresh demo world is valued on the first visit; the histogram's table is the API's bins.
    await app.open(page, 'Value');
    await page.getByTestId('clv-distribution').locator('tbody tr').first().waitFor({ timeout: 60_000 });
    const distribution = await app.get<Distribution>(page, '/api/value/distribution');
    expect(distribution.customers).toBeGreaterThan(100);
    expect(distribution.bins.length).toBeGreaterThan(3);
    await expect
      .poll(() => cells(page, 'clv-distribution'))
      .toEqual(
        distribution.bins.map((bin) => [
          range(bin),
          bin.customers.toLocaleString('en-US'),
          money(bin.value),
          `${Math.round((bin.value / distribution.total) * 100)} %`,
        ]),
      );
    await expect
      .poll(() =>
        page
          .locator('figure', { has: page.getByTestId('clv-distribution') })
          .locator('figcaption')
          .textContent(),
      )
      .toBe(
        `${distribution.customers.toLocaleString('en-US')} customers worth ${money(distribution.total)} in all`,
      );
    const clv = await app.json<{ all: { customers: number } }>(['value', 'clv']);
    expect(distribution.customers).toBe(clv.all.customers);
    await page.locator('main canvas').first().waitFor();
    await app.shot(page, 'value-distribution');

    // The most valuable customer's 360 says there are no personas yet, and where to find them.
    const { list } = await app.get<{ list: Array<{ customerId: number }> }>(
      page,
      '/api/value/customers?limit=1',
    );
    const customerId = list[0]!.customerId;
    await page.goto(`${app.url}/customers/${customerId}`);
    const personaFigure = page
      .locator('figure')
      .filter({ has: page.locator('figcaption', { hasText: /^Persona$/ }) });
    await expect
      .poll(() => personaFigure.locator('p').textContent(), { timeout: 20_000 })
      .toBe('No personas yet: find them on the Personas page.');

    // Personas found on demand; the radar's numbers are the behaviour report's, persona by persona.
    await app.open(page, 'Personas');
    await page.getByRole('button', { name: 'Find personas' }).click();
    await page.getByTestId('persona').first().waitFor({ timeout: 90_000 });
    const personas = await app.get<{ personas: Array<{ personaId: number; name: string }> }>(
      page,
      '/api/personas',
    );
    const report = await app.get<{ organisation: BehaviorGroup; groups: BehaviorGroup[] }>(
      page,
      '/api/behaviors',
    );
    const row = (name: string, group: BehaviorGroup) => [
      `${name} (${group.activeCustomers.toLocaleString('en-US')})`,
      ...group.behaviors.map((entry) => String(Math.round(entry.index))),
    ];
    const byName = new Map(report.groups.map((group) => [group.key, group]));
    const expected = [
      row('All customers', report.organisation),
      ...personas.personas.flatMap((persona) =>
        byName.has(persona.name) ? [row(persona.name, byName.get(persona.name)!)] : [],
      ),
    ];
    expect(expected.length).toBeGreaterThan(2);
    await expect.poll(() => cells(page, 'persona-behaviors'), { timeout: 20_000 }).toEqual(expected);
    await expect
      .poll(() => page.getByTestId('persona-behaviors').locator('thead th').allTextContents())
      .toEqual([
        'Active customers (90 days)',
        ...report.organisation.behaviors.map(
          (entry) => entry.behavior.charAt(0).toUpperCase() + entry.behavior.slice(1),
        ),
      ]);
    await page.locator('.persona-behaviors canvas').waitFor();
    await app.shot(page, 'personas-radar');
    // Under the segment filter, the radar is the segment's: its customers, persona by persona.
    const rules = path.join(app.dir, 'repeat-buyers.json');
    await writeFile(rules, JSON.stringify({ event: 'Order Completed', count: { op: 'gte', value: 2 } }));
    await app.json(['segments', 'save', 'repeat-buyers', rules, '--name', 'Repeat buyers']);
    await page.reload();
    const segmentFilter = page.getByRole('search').getByLabel('Segment');
    await segmentFilter.selectOption('repeat-buyers');
    const inSegment = await app.get<{ organisation: BehaviorGroup; groups: BehaviorGroup[] }>(
      page,
      '/api/behaviors?savedSegment=repeat-buyers',
    );
    const segmentGroups = new Map(inSegment.groups.map((group) => [group.key, group]));
    const expectedInSegment = [
      row('The segment’s customers', inSegment.organisation),
      ...personas.personas.flatMap((persona) =>
        segmentGroups.has(persona.name) ? [row(persona.name, segmentGroups.get(persona.name)!)] : [],
      ),
    ];
    expect(inSegment.organisation.activeCustomers).toBeLessThan(report.organisation.activeCustomers);
    await expect.poll(() => cells(page, 'persona-behaviors'), { timeout: 20_000 }).toEqual(expectedInSegment);
    // Each card says how many of its customers the segment holds: the persona's row of the segment's matrix.
    const matrix = await app.get<{ rows: Array<{ personaId: number; counts: number[] }> }>(
      page,
      '/api/personas/stages?savedSegment=repeat-buyers',
    );
    const members = new Map(
      matrix.rows.map((row) => [row.personaId, row.counts.reduce((sum, count) => sum + count, 0)]),
    );
    expect([...members.values()].some((count) => count > 0)).toBe(true);
    await expect
      .poll(() => page.getByTestId('persona').locator('p', { hasText: ' customers (' }).allTextContents())
      .toEqual(
        personas.personas.map((persona) =>
          expect.stringMatching(
            new RegExp(
              `, ${(members.get(persona.personaId) ?? 0).toLocaleString('en-US')} of them in the segment$`,
            ),
          ),
        ),
      );
    await segmentFilter.selectOption('');

    // The customer 360 now names the customer's persona, linking to its card on the Personas page.
    const own = await app.get<CustomerPersona>(page, `/api/personas/customers/${customerId}`);
    expect(own.persona).not.toBeNull();
    await page.goto(`${app.url}/customers/${customerId}`);
    const link = page.getByTestId('persona');
    await expect.poll(() => link.textContent(), { timeout: 20_000 }).toBe(own.persona!.name);
    expect(own.persona!.name).toBe(
      personas.personas.find((persona) => persona.personaId === own.persona!.personaId)!.name,
    );
    await app.shot(page, 'customer-persona');
    await link.click();
    await expect.poll(() => page.locator('main h2').first().textContent()).toBe('Personas');
    const card = page.locator(`#persona-${own.persona!.personaId}`);
    await expect.poll(() => card.getAttribute('class')).toBe('card target');
    await expect.poll(() => card.getByRole('textbox').inputValue()).toBe(own.persona!.name);
  }, 240_000);

  it('says when figures on a page come from before the latest events, and shows the latest when asked', async () => {
    const { key } = await app.json<{ key: string }>(['keys', 'create', '--kind', 'write']);
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    await page.waitForLoadState('networkidle');
    const notice = page.locator('p.behind');
    // Made after the last change through the API: current, nothing behind.
    expect(await notice.count()).toBe(0);

    const tracked = await fetch(`${app.url}/v1/track`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ event: 'Product Viewed', userId: 'late-visitor' }),
    });
    expect(tracked.status).toBe(200);
    await page.reload();
    await expect
      .poll(() => notice.textContent())
      .toMatch(
        /^Some figures here are from (less than a minute|\d+ min) ago; the events that came in since are being counted\. Show the latest$/,
      );
    await app.shot(page, 'overview-behind');

    // Made again in the background meanwhile: asked again, they come current (the background refresh, which
    // counts the new event into the stages, may make them stale once or twice more on the way).
    await expect
      .poll(
        async () => {
          if (await notice.count()) await notice.getByRole('button', { name: 'Show the latest' }).click();
          await page.waitForLoadState('networkidle');
          return notice.count();
        },
        { timeout: 90_000, interval: 2_000 },
      )
      .toBe(0);
  }, 150_000);
});
