/**
 * Funnel & journeys and Touchpoints in a real browser: the B2B buying-committee view (accounts, one account's
 * committee as a network and a table, B2B against B2C) and the stage-transition attribution, each showing the
 * API's own numbers (test/console-browser.ts sets the browser and the demo world up).
 */
import { describe, expect, it } from 'vitest';
import { browserAvailable, consoleInBrowser } from './console-browser.ts';

interface Account {
  accountId: number;
  name: string | null;
  stage: string | null;
  members: number;
  engagedMembers: number;
  missingRoles: string[];
}
interface Committee extends Account {
  committee: Array<{
    customerId: number;
    buyingRole: string | null;
    title: string | null;
    email: string | null;
    stage: string | null;
  }>;
}
interface SegmentPath {
  segment: string;
  buyers: number;
  medianDaysToPurchase: number | null;
  peoplePerPurchase: number | null;
}
interface Stages {
  transitions: Array<{
    from: string;
    to: string;
    report: {
      conversions: number;
      unattributed: { conversions: number };
      models: Record<string, Record<string, { conversions: number }>>;
    };
  }>;
}

const roleName = (role: string | null) => (role ?? 'unknown').replaceAll('_', ' ');

describe.skipIf(!browserAvailable)('Funnel & journeys and Touchpoints in a browser', () => {
  const app = consoleInBrowser('journeys');

  it('shows the B2B accounts, an account’s buying committee and B2B against B2C as the API gives them', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    await app.open(page, 'Funnel & journeys');

    const { total, accounts } = await app.get<{ total: number; accounts: Account[] }>(
      page,
      '/api/lifecycle/accounts?limit=50&offset=0',
    );
    expect(accounts.length).toBeGreaterThan(1);
    await expect
      .poll(() => page.getByTestId('account-count').textContent(), { timeout: 20_000 })
      .toBe(`${total} B2B accounts`);
    const rows = page.getByTestId('accounts').locator('tbody tr');
    expect(await rows.count()).toBe(accounts.length);

    // The first account is shown until another is chosen; one lacking a key role if the world has one.
    const first = accounts[0]!;
    await expect
      .poll(() => page.getByTestId('committee-title').textContent(), { timeout: 20_000 })
      .toBe(`${first.name}: ${first.members} members, ${first.engagedMembers} engaged`);
    const account = accounts.find((entry) => entry.missingRoles.length > 0) ?? accounts[1]!;
    const row = rows.filter({ has: page.getByRole('button', { name: account.name!, exact: true }) });
    expect(await row.locator('td').allTextContents()).toEqual([
      account.name,
      account.stage,
      `${account.engagedMembers} / ${account.members}`,
      expect.any(String),
      account.missingRoles.map(roleName).join(', ') || '–',
    ]);
    // Chosen from the keyboard: the account names are buttons.
    const pick = page.getByRole('button', { name: account.name!, exact: true });
    await pick.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => pick.getAttribute('aria-pressed')).toBe('true');

    const committee = await app.get<Committee>(page, `/api/lifecycle/accounts/${account.accountId}`);
    await expect
      .poll(() => page.getByTestId('committee-title').textContent(), { timeout: 20_000 })
      .toBe(`${account.name}: ${account.members} members, ${account.engagedMembers} engaged`);
    const members = page.getByTestId('committee').locator('tbody tr');
    expect(await members.count()).toBe(committee.committee.length);
    const member = committee.committee[0]!;
    expect(await members.first().locator('td').allTextContents()).toEqual([
      member.email ?? `Customer ${member.customerId}`,
      roleName(member.buyingRole),
      member.title ?? '–',
      member.stage ?? 'not in the funnel',
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    ]);
    if (account.missingRoles.length > 0)
      await expect
        .poll(() => page.locator('.committee-view .warning').textContent())
        .toContain(account.missingRoles.map(roleName).join(', '));
    await page.locator('.committee-view canvas').waitFor();

    const { segments } = await app.get<{ segments: SegmentPath[] }>(page, '/api/lifecycle/b2b-vs-b2c');
    const b2b = segments.find((segment) => segment.segment === 'b2b')!;
    const comparison = page.getByTestId('b2b-vs-b2c');
    await expect
      .poll(() => comparison.locator('tbody tr').first().locator('td').first().textContent())
      .toBe(b2b.buyers.toLocaleString('en-US'));
    await expect
      .poll(() => comparison.locator('tbody tr').last().locator('td').first().textContent())
      .toBe(b2b.peoplePerPurchase!.toFixed(1));
    await app.shot(page, 'buying-committee');
  }, 120_000);

  it('shows which channels move customers from each stage to the next under the chosen model, within the date filter', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    await app.open(page, 'Touchpoints');
    const stages = await app.get<Stages>(page, '/api/attribution/stages?by=channel');
    const step = stages.transitions[0]!;
    const cell = (model: string, group: string) => {
      const credit = step.report.models[model]!;
      const total = Object.values(credit).reduce((sum, { conversions }) => sum + conversions, 0);
      const own = credit[group]!.conversions;
      return `${own.toFixed(1)} (${((own / total) * 100).toFixed(1)} %)`;
    };
    const table = page.getByTestId('stage-attribution');
    await page.getByText('The credit as a table').click({ timeout: 60_000 });
    const emailRow = table
      .locator('tbody tr')
      .filter({ has: page.getByRole('cell', { name: 'email', exact: true }) });
    await expect.poll(() => emailRow.locator('td').nth(1).textContent()).toBe(cell('markov', 'email'));
    await expect
      .poll(() => table.locator('tfoot td').first().textContent())
      .toBe(
        `${step.report.conversions.toLocaleString('en-US')} (${step.report.unattributed.conversions.toLocaleString('en-US')})`,
      );

    await page.getByLabel('Attribution model for stage steps').selectOption('linear');
    await expect.poll(() => emailRow.locator('td').nth(1).textContent()).toBe(cell('linear', 'email'));
    await page.locator('main canvas').first().waitFor();
    await app.shot(page, 'stage-attribution');

    // The global date filter narrows the steps to customers moving on from then.
    const since = await app.get<Stages>(page, '/api/attribution/stages?by=channel&from=2026-01-01');
    await page.getByLabel('From').fill('2026-01-01');
    await expect.poll(() => page.url()).toContain('from=2026-01-01');
    await expect
      .poll(() => table.locator('tfoot td').first().textContent(), { timeout: 60_000 })
      .toBe(
        `${since.transitions[0]!.report.conversions.toLocaleString('en-US')} (${since.transitions[0]!.report.unattributed.conversions.toLocaleString('en-US')})`,
      );
  }, 180_000);
});
