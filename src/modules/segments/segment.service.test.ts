import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import type { Clock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { createIngestService, type IngestService } from '../ingestion/index.ts';
import { createLifecycleService, type LifecycleService } from '../lifecycle/index.ts';
import { SegmentInputSchema } from './segment.schema.ts';
import { createSegmentService, type SegmentService } from './segment.service.ts';
import { segmentFixture } from './segment-fixture.ts';
import { checkWebhookUrl, createWebhookDeliverer, MAX_ATTEMPTS } from './segment-webhooks.ts';

interface Received {
  deliveryId: number;
  idempotencyKey: string;
  joined: Array<{ userId: string }>;
  left: Array<{ userId: string }>;
}

/** A webhook receiver that answers 500 to the first `failures` requests, then 204. */
async function startReceiver(failures: number) {
  const accepted: Received[] = [];
  let requests = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests += 1;
      if (requests <= failures) return response.writeHead(500).end('down for maintenance');
      accepted.push({ ...JSON.parse(body), idempotencyKey: request.headers['idempotency-key'] });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/agora`,
    accepted,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeEachEngine('saved segments', ({ db }) => {
  let t: TestApp;
  let ingest: IngestService;
  let lifecycle: LifecycleService;
  let segments: SegmentService;
  let now = new Date('2026-04-15T00:00:00Z');
  const clock: Clock = { now: () => now };
  const ws = () => t.workspace.workspaceId;
  const userIds = (customers: Array<{ userId: string | null }>) => customers.map((c) => c.userId).sort();
  const save = (slug: string, input: object) => segments.save(ws(), slug, SegmentInputSchema.parse(input));
  const setPlan = async (userId: string, plan: string) => {
    now = new Date(now.getTime() + 60_000);
    const result = await ingest.ingest(ws(), [
      {
        type: 'identify',
        userId,
        traits: { plan },
        messageId: `plan-${userId}-${plan}`,
        timestamp: '2026-03-30T00:00:00Z',
      },
    ]);
    expect(result.rejected).toEqual([]);
    await lifecycle.refresh(ws());
  };

  beforeAll(async () => {
    t = await createTestApp(db(), { clock });
    ingest = createIngestService(t.deps);
    lifecycle = createLifecycleService(t.deps);
    expect((await ingest.ingest(ws(), segmentFixture())).rejected).toEqual([]);
    segments = createSegmentService({ ...t.deps, lifecycle, config: { allowPrivateWebhooks: true } });
  });
  afterAll(() => t.app.close());

  it('saves a segment with its members, and records joins and leaves at each refresh', async () => {
    const saved = await save('pros', { name: 'Pro plan', rules: { trait: 'plan', value: 'pro' } });
    expect(saved).toMatchObject({ slug: 'pros', members: 2, refreshMinutes: 60, webhookUrl: null });
    await setPlan('hal', 'pro');
    await setPlan('ana', 'free');
    const refreshed = await segments.refresh(ws(), 'pros');
    expect(refreshed).toMatchObject({ members: 2, joined: 1, left: 1, deliveries: 0 });
    const page = await segments.members(ws(), 'pros', { limit: 10, offset: 0 });
    expect(userIds(page.members)).toEqual(['hal', 'ivy']);
    expect(
      (await segments.sizes(ws(), 'pros')).sizes.map(({ members, joined, left }) => [members, joined, left]),
    ).toEqual([
      [2, 2, 0],
      [2, 1, 1],
    ]);
  });

  it('exports the members as CSV', async () => {
    let csv = '';
    for await (const part of segments.exportCsv(ws(), 'pros')) csv += part;
    const [header, ...lines] = csv.trim().split('\n');
    expect(header).toBe('customer_id,user_id,email,stage,joined_at');
    expect(lines.map((line) => line.split(',').slice(1, 4).join(','))).toEqual(
      expect.arrayContaining(['hal,,preference', 'ivy,,advocacy']),
    );
    expect(lines).toHaveLength(2);
  });

  it('inlines a referenced segment, and refuses a cycle, an unknown segment and deleting what is referenced', async () => {
    const referring = await save('pro-advocates', {
      name: 'Pro advocates',
      rules: { all: [{ segment: 'pros' }, { stage: 'advocacy' }] },
    });
    expect(referring.members).toBe(1);
    await expect(
      save('pros', { name: 'Pro plan', rules: { any: [{ segment: 'pro-advocates' }] } }),
    ).rejects.toThrow('rules.any[0].segment: makes a cycle: pros → pro-advocates → pros');
    await expect(save('x', { name: 'X', rules: { segment: 'nobody' } })).rejects.toThrow(
      'rules.segment: no saved segment is named "nobody"',
    );
    await expect(segments.remove(ws(), 'pros')).rejects.toThrow('Segment "pros" is used by "pro-advocates"');
    await segments.remove(ws(), 'pro-advocates');
    expect((await segments.list(ws())).map((segment) => segment.slug)).toEqual(['pros']);
  });

  it('refreshes on schedule, and every segment when data changed', async () => {
    now = new Date(now.getTime() + 30 * 60_000);
    expect(await segments.refreshDue(ws(), false)).toEqual([]);
    expect((await segments.refreshDue(ws(), true)).map((result) => result.slug)).toEqual(['pros']);
    now = new Date(now.getTime() + 61 * 60_000);
    expect((await segments.refreshDue(ws(), false)).map((result) => result.slug)).toEqual(['pros']);
  });

  it('delivers each join and leave once to a webhook that fails at first, in order', async () => {
    const receiver = await startReceiver(2);
    try {
      const deliverer = createWebhookDeliverer({
        ...t.deps,
        clock,
        log: silentLogger,
        allowPrivate: true,
        backoffMs: () => 0,
      });
      await save('newsletter', {
        name: 'Newsletter',
        rules: { trait: 'plan', value: 'free' },
        webhookUrl: receiver.url,
      });
      await setPlan('ivy', 'free');
      await setPlan('ana', 'basic');
      expect(await segments.refresh(ws(), 'newsletter')).toMatchObject({ joined: 1, left: 1, deliveries: 1 });
      // Two failures hold the first delivery back; the second waits behind it.
      expect(await deliverer.deliverDue()).toEqual({ delivered: 0, failed: 1 });
      expect(await deliverer.deliverDue()).toEqual({ delivered: 0, failed: 1 });
      expect(await deliverer.deliverDue()).toEqual({ delivered: 1, failed: 0 });
      expect(await deliverer.deliverDue()).toEqual({ delivered: 1, failed: 0 });
      expect(await deliverer.deliverDue()).toEqual({ delivered: 0, failed: 0 });
      expect(receiver.accepted.map((delivery) => [userIds(delivery.joined), userIds(delivery.left)])).toEqual(
        [
          [['ana'], []],
          [['ivy'], ['ana']],
        ],
      );
      const [first, second] = receiver.accepted;
      expect(first!.idempotencyKey).toBe(`agora-${ws()}-${first!.deliveryId}`);
      expect(second!.deliveryId).toBeGreaterThan(first!.deliveryId);
      const log = await segments.deliveries(ws(), 'newsletter', 10);
      expect(log.map(({ status, attempts, lastStatus }) => [status, attempts, lastStatus])).toEqual([
        ['delivered', 1, 204],
        ['delivered', 3, 204],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('gives a delivery up after the last attempt, keeps it in the log, and sends it again on demand', async () => {
    const receiver = await startReceiver(MAX_ATTEMPTS);
    try {
      const deliverer = createWebhookDeliverer({
        ...t.deps,
        clock,
        log: silentLogger,
        allowPrivate: true,
        backoffMs: () => 0,
      });
      await save('basic', {
        name: 'Basic',
        rules: { trait: 'plan', value: 'basic' },
        webhookUrl: receiver.url,
      });
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) await deliverer.deliverDue();
      const [given] = await segments.deliveries(ws(), 'basic', 1);
      expect(given).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatus: 500 });
      expect(given!.lastError).toContain('500');
      await segments.retryDelivery(ws(), 'basic', given!.deliveryId);
      expect(await deliverer.deliverDue()).toEqual({ delivered: 1, failed: 0 });
      expect(receiver.accepted.map((delivery) => userIds(delivery.joined))).toEqual([['ana']]);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook addresses', () => {
  it('takes public http(s) URLs and refuses other schemes, private and loopback hosts', async () => {
    expect(await checkWebhookUrl('https://93.184.215.14/hook', false)).toBe('https://93.184.215.14/hook');
    await expect(checkWebhookUrl('ftp://example.com/x', false)).rejects.toThrow(
      'must be an http or https URL, not ftp',
    );
    await expect(checkWebhookUrl('not a url', false)).rejects.toThrow('"not a url" is not a URL');
    for (const host of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.10',
      '172.20.0.1',
      '169.254.169.254',
      '[::1]',
      '[::ffff:10.0.0.1]',
    ])
      await expect(checkWebhookUrl(`http://${host}/hook`, false), host).rejects.toThrow(
        'private or loopback',
      );
    await expect(checkWebhookUrl('http://localhost:9000/hook', false)).rejects.toThrow('private or loopback');
    expect(await checkWebhookUrl('http://127.0.0.1:9000/hook', true)).toBe('http://127.0.0.1:9000/hook');
  });
});
