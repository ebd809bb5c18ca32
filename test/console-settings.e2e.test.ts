/**
 * Settings in a real browser: the stage rules shown as the API has them, edited, refused and reset; a channel
 * rule added, edited and removed and past events reclassified with the API's count; a workspace made in
 * Settings, chosen in the navigation's switcher (an empty Overview), and the demo world's numbers back after
 * switching home (test/console-browser.ts sets the browser and the demo world up).
 */
import { describe, expect, it } from 'vitest';
import { browserAvailable, consoleInBrowser } from './console-browser.ts';

interface TaxonomyRule {
  eventName: string;
  occurrence: string;
  funnelSignal: string | null;
}
const STAGES = ['awareness', 'consideration', 'preference', 'action', 'loyalty', 'advocacy'];

describe.skipIf(!browserAvailable)('Settings in a browser', () => {
  const app = consoleInBrowser('settings');

  it('shows, edits, refuses and resets the stage rules, edits channel rules and reclassifies, and makes and switches workspaces', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    await app.open(page, 'Settings');

    // The stage rules as the API has them: the lapsed rule and the events that place a customer in each stage.
    const stageRules = page.locator('figure', { has: page.getByTestId('stage-rules') });
    const lapsed = stageRules.getByLabel('Lapsed after (days without an event)');
    const rules = await app.get<{ lapsedAfterDays: number }>(page, '/api/lifecycle/rules');
    await expect.poll(() => lapsed.inputValue()).toBe(String(rules.lapsedAfterDays));
    const { rules: taxonomy } = await app.get<{ rules: TaxonomyRule[] }>(page, '/api/taxonomy');
    for (const stage of STAGES) {
      const expected = taxonomy
        .filter((rule) => rule.funnelSignal === stage)
        .map((rule) =>
          rule.occurrence === 'any' ? rule.eventName : `${rule.eventName} (${rule.occurrence})`,
        );
      expect(await page.getByTestId(`stage-${stage}`).locator('code').allTextContents(), stage).toEqual(
        expected,
      );
    }
    expect(taxonomy.some((rule) => rule.funnelSignal === 'action')).toBe(true);
    await app.shot(page, 'settings-rules');

    // An edited rule is saved, and comes back after a reload.
    const changed = rules.lapsedAfterDays === 45 ? 46 : 45;
    await lapsed.fill(String(changed));
    await stageRules.getByRole('button', { name: 'Save lapsed rule' }).click();
    await expect
      .poll(() => stageRules.getByRole('status').first().textContent())
      .toBe(`Saved: a customer lapses after ${changed} days. Reports show it at once.`);
    expect(await app.get(page, '/api/lifecycle/rules')).toEqual({ lapsedAfterDays: changed });
    await page.reload();
    await expect.poll(() => page.locator('main h2').first().textContent()).toBe('Settings');
    await expect.poll(() => lapsed.inputValue()).toBe(String(changed));
    await expect
      .poll(() => page.getByTestId('stage-action').locator('xpath=..').locator('small').textContent())
      .toBe(` — lapsed after ${changed} quiet days`);

    // An invalid rule: the API's refusal beside the form, and the rule unchanged.
    await lapsed.fill('0');
    await stageRules.getByRole('button', { name: 'Save lapsed rule' }).click();
    await expect
      .poll(() => stageRules.getByRole('alert').textContent())
      .toBe('Invalid request: body.lapsedAfterDays: must be at least 1 day.');
    expect(await app.get(page, '/api/lifecycle/rules')).toEqual({ lapsedAfterDays: changed });

    // Reset to defaults.
    await stageRules.getByRole('button', { name: 'Reset to defaults' }).click();
    await expect.poll(() => lapsed.inputValue()).toBe('90');
    expect(await app.get(page, '/api/lifecycle/rules')).toEqual({ lapsedAfterDays: 90 });
    expect(await stageRules.getByRole('alert').count()).toBe(0);

    // Channel rules: a rule without conditions is refused beside the form.
    const channelRules = page.locator('figure', {
      has: page.getByRole('form', { name: 'New channel rule' }),
    });
    const ruleForm = page.getByRole('form', { name: 'New channel rule' });
    await expect.poll(() => page.getByTestId('channel-rules-empty').count()).toBe(1);
    await ruleForm.getByRole('button', { name: 'Add rule' }).click();
    await expect
      .poll(() => channelRules.getByRole('alert').textContent())
      .toBe('Invalid request: body.channel.0.when: give at least one condition.');

    // A rule added: friends' invitations count as affiliate traffic.
    await ruleForm.getByLabel('Source (utm_source)').fill('friend');
    await ruleForm.getByLabel('Channel').selectOption('affiliate');
    await ruleForm.getByLabel('Note').fill('invite a friend');
    await ruleForm.getByRole('button', { name: 'Add rule' }).click();
    const table = page.getByTestId('channel-rules');
    await expect
      .poll(() => table.locator('tbody tr').first().locator('td').allTextContents())
      .toEqual(['1', 'source = friend', 'affiliate', 'invite a friend', 'EditRemove']);
    expect(await app.get(page, '/api/touchpoint-rules')).toMatchObject({
      channel: [{ when: { source: 'friend' }, channel: 'affiliate', note: 'invite a friend' }],
      device: [],
    });

    // Edited: the medium too.
    await table.getByRole('button', { name: 'Edit rule 1' }).click();
    const editForm = page.getByRole('form', { name: 'Channel rule 1' });
    await expect.poll(() => editForm.getByLabel('Source (utm_source)').inputValue()).toBe('friend');
    await editForm.getByLabel('Medium (utm_medium)').fill('referral');
    await editForm.getByRole('button', { name: 'Save rule 1' }).click();
    await expect
      .poll(() => table.locator('tbody tr').first().locator('td').nth(1).textContent())
      .toBe('source = friend, medium = referral');

    // Reclassified: the statement is the API's own count.
    const answered = page.waitForResponse((response) =>
      response.url().endsWith('/api/touchpoint-rules/reclassify'),
    );
    await page.getByRole('button', { name: 'Reclassify past events' }).click();
    const counts = (await (await answered).json()) as { events: number; changed: number };
    expect(counts.events).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('channel-rules-outcome').textContent())
      .toBe(
        `Reclassified ${counts.events.toLocaleString('en-US')} stored events: ${counts.changed.toLocaleString('en-US')} changed channel, source, medium, campaign or device.`,
      );
    await app.shot(page, 'settings-channel-rules');

    // Removed: the workspace is back to the built-in rules.
    await table.getByRole('button', { name: 'Remove rule 1' }).click();
    await expect.poll(() => page.getByTestId('channel-rules-empty').count()).toBe(1);
    expect(await app.get(page, '/api/touchpoint-rules')).toMatchObject({ channel: [], device: [] });

    // Workspaces: a slug the API refuses, then a new workspace that the switcher offers.
    const workspaces = page.locator('figure', { has: page.getByTestId('workspaces') });
    await expect
      .poll(() => page.getByTestId('workspaces').locator('tbody tr').locator('td').nth(1).textContent())
      .toBe('default');
    await workspaces.getByLabel('Slug').fill('Acme Ltd');
    await workspaces.getByLabel('Name').fill('Acme Ltd');
    await workspaces.getByRole('button', { name: 'Create workspace' }).click();
    await expect
      .poll(() => workspaces.getByRole('alert').textContent())
      .toBe('Invalid request: body.slug: must be lowercase letters, digits and dashes, e.g. "acme".');
    await workspaces.getByLabel('Slug').fill('acme');
    await workspaces.getByRole('button', { name: 'Create workspace' }).click();
    const switcher = page.getByRole('navigation', { name: 'Pages' }).getByLabel('Workspace');
    await expect
      .poll(() => switcher.locator('option').allTextContents())
      .toEqual(['Default workspace', 'Acme Ltd']);
    const listed = await app.get<{ workspaces: Array<{ slug: string; name: string }> }>(
      page,
      '/api/workspaces',
    );
    expect(listed.workspaces.map(({ slug, name }) => ({ slug, name }))).toEqual([
      { slug: 'default', name: 'Default workspace' },
      { slug: 'acme', name: 'Acme Ltd' },
    ]);
    await app.shot(page, 'settings-workspaces');

    // Switching to the new workspace: an empty Overview, kept across a reload.
    await switcher.selectOption('acme');
    await app.open(page, 'Overview');
    await expect
      .poll(() => page.locator('main p.empty').first().textContent(), { timeout: 20_000 })
      .toBe('No customer has entered the funnel yet: send events or import them (agora import).');
    expect(await page.getByTestId('Customers in the funnel').textContent()).toBe('0');
    await app.shot(page, 'settings-empty-workspace');
    await page.reload();
    await expect.poll(() => switcher.inputValue()).toBe('acme');
    await expect
      .poll(() => page.locator('main p.empty').first().textContent(), { timeout: 20_000 })
      .toBe('No customer has entered the funnel yet: send events or import them (agora import).');

    // And back: the demo world's numbers again (the fixture's GET goes without the header: the default one).
    const lifecycle = await app.get<{ groups: Array<{ stages: Array<{ reached: number }> }> }>(
      page,
      '/api/lifecycle',
    );
    const inFunnel = lifecycle.groups[0]!.stages[0]!.reached;
    expect(inFunnel).toBeGreaterThan(0);
    await switcher.selectOption('default');
    await expect
      .poll(() => page.getByTestId('Customers in the funnel').textContent(), { timeout: 20_000 })
      .toBe(inFunnel.toLocaleString('en-US'));
    expect(await page.evaluate("localStorage.getItem('agora.workspace')")).toBe('default');
  }, 180_000);
});
