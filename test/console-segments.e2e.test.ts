/**
 * A saved segment's page in a real browser — its size, rules, members page by page, size chart, webhook and
 * deliveries, against the API's own answers — an analyst refused a refresh, and the password changed from the
 * console (test/console-browser.ts sets the browser and the demo world up).
 */

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserAvailable, consoleInBrowser } from './console-browser.ts';

interface Segment {
  name: string;
  members: number;
  webhookUrl: string | null;
}
interface MembersPage {
  size: number;
  members: Array<{ customerId: number }>;
}
interface Deliveries {
  deliveries: Array<{ deliveryId: number; status: string }>;
}

/** A change through the page's signed-in session with its CSRF token, as the console sends it: status and body. */
async function send<T>(page: Page, method: string, url: string, body: unknown) {
  const answer = await page.evaluate(
    async ({ method, url, body }) => {
      const session = (await fetch('/api/session').then((response) => response.json())) as {
        csrfToken: string;
      };
      const response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    },
    { method, url, body },
  );
  return answer as { status: number; body: T };
}

describe.skipIf(!browserAvailable)('a segment’s page and the password in the console', () => {
  const app = consoleInBrowser('segments');
  const slug = 'frequent-or-loyal';
  const api = `/api/segments/${slug}`;
  // A public address (TEST-NET-3) that answers nothing: deliveries are queued and attempted, never delivered.
  const firstHook = 'https://203.0.113.10/agora';
  const nextHook = 'https://203.0.113.20/hooks/agora';
  const rules = {
    any: [{ event: 'Order Completed', within: '30d', count: { op: 'gte', value: 2 } }, { stage: 'loyalty' }],
  };
  let newPassword = '';

  it('shows a saved segment’s size, rules, members page by page, deliveries and webhook as the API gives them, and refuses a bad webhook URL with the API’s message beside the field', async () => {
    const rulesFile = path.join(app.dir, 'segment-rules.json');
    await writeFile(rulesFile, JSON.stringify(rules));
    const saved = await app.json<Segment>([
      'segments',
      'save',
      slug,
      rulesFile,
      '--name',
      'Frequent or loyal',
      '--webhook',
      firstHook,
    ]);
    expect(saved.members).toBeGreaterThan(40);

    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    await app.open(page, 'Segments');
    await page.getByTestId('saved-segments').getByRole('link', { name: 'Frequent or loyal' }).click();
    await expect.poll(() => page.locator('main h2').textContent()).toBe('Frequent or loyal');
    expect(new URL(page.url()).pathname).toBe(`/segments/${slug}`);

    const segment = await app.get<Segment>(page, api);
    await expect
      .poll(() => page.getByTestId('segment-size').textContent())
      .toBe(segment.members.toLocaleString('en-US'));
    expect(await page.getByTestId('segment-rules').textContent()).toBe(
      'Any of:did “Order Completed” at least 2 times in the last 30dstands at loyalty now',
    );
    const csv = page.getByRole('link', { name: 'Export the members as CSV' });
    expect(await csv.getAttribute('href')).toBe(`${api}/export.csv`);
    await page.locator('main canvas').first().waitFor();

    // Members, 20 to a page, in the API's order; each links to its customer 360.
    const firstCell = () =>
      page.getByTestId('segment-members').locator('tbody tr').first().locator('td').first().textContent();
    const first = await app.get<MembersPage>(page, `${api}/members?limit=20&offset=0`);
    const second = await app.get<MembersPage>(page, `${api}/members?limit=20&offset=20`);
    await expect.poll(firstCell).toBe(String(first.members[0]!.customerId));
    expect(await page.getByTestId('members-range').textContent()).toBe(
      `1–20 of ${first.size.toLocaleString('en-US')}`,
    );
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(firstCell).toBe(String(second.members[0]!.customerId));
    expect(await page.getByTestId('members-range').textContent()).toBe(
      `21–40 of ${first.size.toLocaleString('en-US')}`,
    );
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(firstCell).toBe(String(first.members[0]!.customerId));

    // The deliveries the first refresh queued for the webhook, the latest first.
    const { deliveries } = await app.get<Deliveries>(page, `${api}/deliveries?limit=20`);
    expect(deliveries.length).toBeGreaterThan(0);
    const rows = page.getByTestId('deliveries').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(deliveries.length);
    expect(await rows.first().locator('td').first().textContent()).toBe(String(deliveries[0]!.deliveryId));

    // The webhook: changed, kept after a reload; a bad URL refused beside the field with the API's message.
    const field = page.getByLabel('Webhook URL');
    expect(await field.inputValue()).toBe(firstHook);
    await field.fill(nextHook);
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await expect
      .poll(() => page.locator('form.webhook').getByRole('status').textContent(), { timeout: 20_000 })
      .toBe(`Saved: joins and leaves go to ${nextHook}.`);
    await page.reload();
    await expect.poll(() => page.getByLabel('Webhook URL').inputValue()).toBe(nextHook);
    expect((await app.get<Segment>(page, api)).webhookUrl).toBe(nextHook);

    const refused = await send<{ error: { message: string } }>(page, 'PUT', api, {
      name: 'Frequent or loyal',
      rules,
      webhookUrl: 'not a url',
    });
    expect(refused.status).toBe(400);
    await page.getByLabel('Webhook URL').fill('not a url');
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await expect
      .poll(() => page.locator('form.webhook').getByRole('alert').textContent(), { timeout: 20_000 })
      .toBe(refused.body.error.message);
    expect(refused.body.error.message).toBe(
      'webhookUrl: "not a url" is not a URL; give one such as https://hooks.example.com/agora',
    );
    await page.getByLabel('Webhook URL').fill(nextHook);
    await app.shot(page, 'segment-detail');

    // A member's row leads to their customer 360.
    await page.getByTestId('segment-members').getByRole('link').first().click();
    await expect
      .poll(() => page.locator('main h2').textContent())
      .toBe(`Customer ${first.members[0]!.customerId}`);
    await page.close();
  }, 120_000);

  it('shows an analyst the API’s refusal of a refresh and of a webhook', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    const analyst = await send<{ password: string }>(page, 'POST', '/api/users', {
      email: 'ana@example.com',
      role: 'analyst',
    });
    expect(analyst.status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await app.signIn(page, 'ana@example.com', analyst.body.password);

    await page.goto(`${app.url}/segments/${slug}`);
    await expect.poll(() => page.locator('main h2').textContent()).toBe('Frequent or loyal');
    await page.getByRole('button', { name: 'Refresh now' }).click();
    const readsOnly = 'An analyst account only reads: ask an admin to make this change.';
    await expect
      .poll(() => page.locator('.segment-actions').getByRole('alert').textContent())
      .toBe(readsOnly);
    await page.getByLabel('Webhook URL').fill(firstHook);
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await expect.poll(() => page.locator('form.webhook').getByRole('alert').textContent()).toBe(readsOnly);
    await page.close();
  }, 120_000);

  it('changes the password from the console: a wrong current password and a short one refused with the API’s message, then signs in with the new one', async () => {
    const page = await app.newPage();
    await page.goto(app.url);
    await app.signIn(page, 'admin@agora.local', app.password);
    // The first admin's password was handed out in the banner: the navigation says to change it.
    const nav = page.getByRole('navigation', { name: 'Pages' });
    const nudge = nav.getByRole('link', { name: 'Change your password: it is still the one handed out' });
    await nudge.click();
    await expect.poll(() => page.locator('main h2').textContent()).toBe('Change password');
    const form = page.locator('form.password');
    const fill = async (current: string, next: string, again = next) => {
      await form.getByLabel('Current password', { exact: true }).fill(current);
      await form.getByLabel('New password', { exact: true }).fill(next);
      await form.getByLabel('New password, again', { exact: true }).fill(again);
      await form.getByRole('button', { name: 'Change password' }).click();
    };

    await fill('not my password', 'lamps for every room');
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('currentPassword: is not your current password.');
    await fill(app.password, 'short');
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('Invalid request: body.newPassword: must be at least 12 characters.');
    await app.shot(page, 'password-refused');
    await fill(app.password, 'lamps for every room', 'lamps for every rooms');
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('The two new passwords differ: type the same one twice.');

    newPassword = 'lamps for every room';
    await fill(app.password, newPassword);
    await expect
      .poll(() => form.getByRole('status').textContent())
      .toBe('Your password is changed. Sign in with it from now on; your other sessions have ended.');
    await expect.poll(() => nav.getByRole('link', { name: 'Change password' }).count()).toBe(1);
    expect(await nudge.count()).toBe(0);
    await app.shot(page, 'password');

    await page.getByRole('button', { name: 'Sign out' }).click();
    const signIn = page.locator('form.sign-in');
    await signIn.getByLabel('Email').fill('admin@agora.local');
    await signIn.getByLabel('Password').fill(app.password);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => signIn.getByRole('alert').textContent()).toBe('Wrong email or password.');
    await app.signIn(page, 'admin@agora.local', newPassword);
    await page.close();
  }, 120_000);
});
