import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../test/app.ts';
import { describeEachEngine } from '../test/engines.ts';
import { orderHistory } from '../test/order-history.ts';
import { loadConfig } from './config.ts';
import { createIngestService } from './modules/ingestion/index.ts';
import { silentLogger } from './platform/log.ts';
import { startServer } from './server.ts';

describe('agora serve on a DuckDB data directory', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'agora-serve-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the default workspace with an admin key once, and leaves a server file while it runs', async () => {
    const config = loadConfig({}, { dataDir, port: 0 });
    const first = await startServer(config, { log: silentLogger });
    expect(first.workspace.slug).toBe('default');
    expect(first.adminKey?.key).toMatch(/^sk_/);
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(true);

    await expect(startServer(config, { log: silentLogger })).rejects.toMatchObject({
      code: 'DATABASE_LOCKED',
      message: expect.stringContaining(`Agora already serves ${dataDir} at ${first.url}`),
    });

    await first.close();
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);

    const second = await startServer(config, { log: silentLogger, refreshEveryMs: 20 });
    expect(second.workspace.workspaceId).toBe(first.workspace.workspaceId);
    expect(second.adminKey).toBeNull();
    // Background jobs run only once started: then the lifecycle of the workspace is refreshed.
    const refreshed = async () =>
      (await second.deps.db.query('SELECT workspace_id FROM lifecycle_state')).length > 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await refreshed()).toBe(false);
    second.startBackgroundJobs();
    await expect.poll(refreshed, { timeout: 5_000 }).toBe(true);
    await second.close();
  });

  it('puts a customer who newly qualifies into a saved segment at the next background refresh', async () => {
    const server = await startServer(loadConfig({}, { dataDir, port: 0 }), {
      log: silentLogger,
      refreshEveryMs: 50,
    });
    try {
      // The local CLI's token, from the server file, stands in for an admin key.
      const { token } = JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8')) as {
        token: string;
      };
      const admin = { authorization: `Bearer ${token}`, 'x-agora-workspace': 'default' };
      const api = (method: string, url: string, body?: object) =>
        fetch(`${server.url}${url}`, {
          method,
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const { key } = (await (await api('POST', '/api/keys', { kind: 'write' })).json()) as { key: string };
      const track = (userId: string, event: string) =>
        fetch(`${server.url}/v1/track`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ writeKey: key, userId, event, timestamp: new Date().toISOString() }),
        });
      expect((await track('early', 'Product Customized')).status).toBe(200);
      const rules = { event: 'Product Customized', within: '7d' };
      expect((await api('PUT', '/api/segments/customisers', { name: 'Customisers', rules })).status).toBe(
        200,
      );
      server.startBackgroundJobs();
      expect((await track('late', 'Product Customized')).status).toBe(200);
      const members = async () =>
        (
          (await (await api('GET', '/api/segments/customisers/members')).json()) as {
            members: { userId: string }[];
          }
        ).members
          .map((member) => member.userId)
          .sort();
      await expect.poll(members, { timeout: 10_000 }).toEqual(['early', 'late']);
    } finally {
      await server.close();
    }
  });

  it('values the customers in the background once there are orders enough to fit', async () => {
    const server = await startServer(loadConfig({}, { dataDir, port: 0 }), {
      log: silentLogger,
      refreshEveryMs: 50,
    });
    try {
      const result = await createIngestService(server.deps).ingest(
        server.workspace.workspaceId,
        orderHistory(),
      );
      expect(result.rejected).toEqual([]);
      server.startBackgroundJobs();
      const valued = async () =>
        (await server.deps.db.query('SELECT customer_id FROM customer_values')).length;
      await expect.poll(valued, { timeout: 10_000 }).toBe(40);
    } finally {
      await server.close();
    }
  });

  it('says which port is taken and how to choose another', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(
        startServer(loadConfig({}, { dataDir, port }), { log: silentLogger }),
      ).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: `Port ${port} on 127.0.0.1 is already in use. Choose another with --port or AGORA_PORT.`,
      });
      // The failed start released the database: the next one opens it.
      const next = await startServer(loadConfig({}, { dataDir, port: 0 }), { log: silentLogger });
      await next.close();
    } finally {
      blocker.close();
    }
  });
});

describeEachEngine('graceful shutdown', ({ db }) => {
  it('lets an in-flight request finish before the server closes, and takes no new ones', async () => {
    const { app } = await createTestApp(db());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const requestStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    app.get('/slow-write', async () => {
      started();
      await gate;
      return { written: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;

    const inFlight = fetch(`${url}/slow-write`);
    await requestStarted;
    const startedClosing = Date.now();
    const closing = app.close();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    release();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ written: true });
    await closing;
    // Bounded by the slow request, not by the 72-second keep-alive timeout of its connection.
    expect(Date.now() - startedClosing).toBeLessThan(5000);
  });
});
