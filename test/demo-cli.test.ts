/** `agora demo` as a user runs it: the world written to files, and loaded through Agora's own import. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/modules/demo-world/index.ts';
import { createJourneyService, MicroMomentQuerySchema } from '../src/modules/journeys/index.ts';
import { createLifecycleService, type LifecycleReport } from '../src/modules/lifecycle/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import type { Database } from '../src/platform/db/database.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { silentLogger } from '../src/platform/log.ts';
import { agora } from './cli.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase, testEngines } from './engines.ts';

const WORLD = ['--customers', '300', '--seed', '5'];

describe('agora demo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-demo-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the world, its catalogue and its manifest with --out', async () => {
    const run = await agora(['demo', ...WORLD, '--out', path.join(dir, 'world.ndjson')], {});
    expect(run.code).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'world.manifest.json'), 'utf8')) as Manifest;
    const lines = async (file: string) => (await readFile(path.join(dir, file), 'utf8')).trim().split('\n');
    const history = await lines('world.ndjson');
    const live = await lines('world.live.ndjson');
    const events = [...history, ...live];
    expect(manifest).toMatchObject({ seed: 5, customers: 300 });
    expect(manifest.realized.events).toBe(events.length);
    expect(manifest.live.messages).toBe(live.length);
    expect(JSON.parse(history.at(-1)!).timestamp < manifest.live.from).toBe(true);
    expect(JSON.parse(live[0]!).timestamp >= manifest.live.from).toBe(true);
    const { influencer, other } = manifest.social.realized.friends;
    // The 300 drawn, and the friends they referred.
    expect(Object.keys(manifest.customerPersonas)).toHaveLength(300 + influencer.arrived + other.arrived);
    expect(run.stdout).toContain(`Wrote ${events.length.toLocaleString('en-US')} events`);
  });

  it('explains an --out path it cannot write, before doing any work', async () => {
    const run = await agora(['demo', ...WORLD, '--out', path.join(dir, 'missing', 'world.ndjson')], {});
    expect(run).toMatchObject({
      code: 2,
      stderr: `agora: Cannot write ${path.join(dir, 'missing', 'world.ndjson')} (ENOENT); choose another --out path.\n`,
    });
  });

  for (const engine of testEngines) {
    it(`loads the world with --no-serve on ${engine}: one customer per person, every order and account`, async () => {
      const dataDir = path.join(dir, `data-${engine}`);
      const postgres: TestDatabase | null =
        engine === 'postgres' ? await createTestDatabase('postgres') : null;
      const env: Record<string, string> = postgres
        ? { AGORA_DATA_DIR: dataDir, DATABASE_URL: postgresUrlForSchema(postgres.location) }
        : { AGORA_DATA_DIR: dataDir };
      try {
        const run = await agora(['demo', ...WORLD, '--no-serve'], env);
        expect(run.code).toBe(0);
        const manifest = JSON.parse(
          await readFile(path.join(dataDir, 'demo', 'world-5-300.manifest.json'), 'utf8'),
        ) as Manifest;
        expect(run.stdout).toContain(
          `Loaded ${manifest.realized.events.toLocaleString('en-US')} events ` +
            `(${manifest.live.messages.toLocaleString('en-US')} of them through the tracking API)`,
        );
        // Before the test opens the database: a DuckDB file has one process at a time.
        const lifecycleRun = await agora(['lifecycle', '--breakdown', 'segment', '--json'], env);
        expect(lifecycleRun.code, lifecycleRun.stderr).toBe(0);
        const lifecycleReport = JSON.parse(lifecycleRun.stdout) as LifecycleReport;
        const db: Database = postgres ? postgres.db : await openDuckDB(path.join(dataDir, 'agora.duckdb'));
        try {
          const count = async (sql: string) => (await db.query<{ n: number }>(sql))[0]!.n;
          // Anonymous visits, sign-ups, orders and social posts of one person resolve to one customer.
          expect(await count('SELECT count(*) AS n FROM customers WHERE merged_into IS NULL')).toBe(
            Object.keys(manifest.customerPersonas).length,
          );
          expect(
            await count(`SELECT count(*) AS n FROM events e WHERE e.name IN ('Social Mention Posted', 'User Followed')
                AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = e.customer_id AND i.kind = 'user')`),
          ).toBe(0);
          expect(await count("SELECT count(*) AS n FROM events WHERE name = 'Social Mention Posted'")).toBe(
            Object.values(manifest.voice.realized.sentiment.mentions).reduce((a, b) => a + b, 0),
          );
          expect(await count('SELECT count(*) AS n FROM events')).toBe(manifest.realized.events);
          // The last days came through the tracking API, keeping their times (its clock-skew correction).
          expect(manifest.live.messages).toBeGreaterThan(0);
          expect(
            await count(
              `SELECT count(*) AS n FROM events WHERE occurred_at >= CAST('${manifest.live.from}' AS TIMESTAMP)`,
            ),
          ).toBe(manifest.live.messages);
          const orders = Object.values(manifest.realized.purchases).reduce((sum, p) => sum + p.orders, 0);
          expect(await count('SELECT count(*) AS n FROM orders')).toBe(orders);
          expect(await count('SELECT count(*) AS n FROM accounts')).toBe(manifest.realized.accounts);
          expect(await count('SELECT count(*) AS n FROM products')).toBe(60);
          await expectLifecycleRecovered(db, manifest, lifecycleReport);
        } finally {
          if (!postgres) await db.close();
        }
      } finally {
        await postgres?.drop();
      }
    });
  }
});

/**
 * The load ran the lifecycle analysis; it finds, per segment, exactly the stages the people's messages show
 * (the manifest's truth, read person by person in the simulation) and the same days to a first purchase.
 */
async function expectLifecycleRecovered(db: Database, manifest: Manifest, report: LifecycleReport) {
  const [stored] = await db.query<{ n: number }>('SELECT count(*) AS n FROM customer_lifecycle');
  expect(stored!.n).toBe(Object.keys(manifest.customerPersonas).length);
  const truth = manifest.lifecycle.realized;
  expect(report.groups.map((group) => group.key).sort()).toEqual(['b2b', 'b2c']);
  for (const group of report.groups) {
    const segment = truth[group.key as 'b2b' | 'b2c'];
    expect(
      group.stages.map((stage) => stage.reached),
      group.key,
    ).toEqual(segment.reached);
  }
  const [{ workspace_id }] = (await db.query('SELECT workspace_id FROM workspaces')) as [
    { workspace_id: number },
  ];
  const lifecycle = createLifecycleService({ db, clock: systemClock, log: silentLogger });
  for (const measured of (await lifecycle.compareSegments(workspace_id)).segments) {
    const segment = truth[measured.segment];
    expect(measured.buyers).toBe(segment.buyers);
    // Within 5e-5 days (4.3 s): the live days' times are corrected for clock skew by their time of receipt
    // (occurredAt = receivedAt − (sentAt − timestamp)), so they carry the time a batch spent on its way,
    // which on a loaded machine reaches a second.
    expect(measured.medianDaysToPurchase).toBeCloseTo(segment.medianDaysToFirstPurchase!, 4);
    expect(measured.meanDaysToPurchase).toBeCloseTo(segment.meanDaysToFirstPurchase!, 4);
    expect(measured.meanTouchesToPurchase).toBeCloseTo(segment.meanTouchesToFirstPurchase!, 9);
    expect(measured.informationSeekingShare).toBeCloseTo(segment.informationSeekingShare!, 9);
  }
  // The bursts the simulation opened are found as micro-moments, with their intent and the stage they began
  // in. Not to the one: a burst may run into a touchpoint minutes away and take another intent, and a
  // purchase minutes after a mobile visit (adding to the cart, typing the address) makes a buy moment of its
  // own, which the simulation did not open as a burst.
  const journeys = createJourneyService({ db, lifecycle });
  const moments = await journeys.microMoments(workspace_id, MicroMomentQuerySchema.parse({}));
  const found = new Map(moments.byStage.map((row) => [`${row.key}:${row.intent}`, row.moments]));
  let planted = 0;
  let plantedOtherThanBuy = 0;
  let foundOtherThanBuy = 0;
  for (const [stage, intents] of Object.entries(manifest.microMoments.realized))
    for (const [intent, count] of Object.entries(intents)) {
      planted += count;
      const measured = found.get(`${stage}:${intent}`) ?? 0;
      const slack = Math.max(2, 0.03 * count);
      expect(measured, `${stage}:${intent}`).toBeGreaterThanOrEqual(count - slack);
      if (intent === 'buy') continue;
      expect(measured, `${stage}:${intent}`).toBeLessThanOrEqual(count + slack);
      plantedOtherThanBuy += count;
      foundOtherThanBuy += measured;
    }
  expect(moments.moments).toBeGreaterThanOrEqual(planted * 0.98);
  expect(foundOtherThanBuy).toBeLessThanOrEqual(plantedOtherThanBuy * 1.05);
}
