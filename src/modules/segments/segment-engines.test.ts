/**
 * Random rule trees select the same customers on DuckDB and on PostgreSQL: the compiler's one SQL must
 * mean one thing on both. Runs when PostgreSQL is configured (CI always).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from '../../../test/engines.ts';
import { fixedClock } from '../../platform/clock.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { EvaluateBodySchema } from './segment.schema.ts';
import { createSegmentService } from './segment.service.ts';
import { segmentFixture } from './segment-fixture.ts';

const TREES = 150;

/** A small seeded generator (mulberry32), so that a failing tree can be found again. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick };
}

const EVENTS = ['Order Completed', 'Content Viewed', 'Product Customized', 'Page Viewed', 'Product Added'];
const WINDOWS = ['3d', '10d', '25d', '60d'];

function randomRule(random: ReturnType<typeof generator>, depth: number): unknown {
  if (depth < 3 && random.next() < 0.4) {
    const kind = random.pick(['all', 'any', 'not'] as const);
    if (kind === 'not') return { not: randomRule(random, depth + 1) };
    return {
      [kind]: Array.from({ length: 1 + Math.floor(random.next() * 3) }, () => randomRule(random, depth + 1)),
    };
  }
  const leaves = [
    () => ({ trait: 'plan', op: random.pick(['eq', 'neq']), value: 'pro' }),
    () => ({ trait: random.pick(['plan', 'email', 'newsletter']), op: random.pick(['exists', 'missing']) }),
    () => ({ trait: 'age', op: random.pick(['gt', 'lte']), value: random.pick([18, 30, 40]) }),
    () => ({ trait: 'plan', op: random.pick(['in', 'notIn']), value: ['pro', 'free'] }),
    () => ({ identity: random.pick(['email', 'user', 'anonymous', 'phone']) }),
    () => ({ event: random.pick(EVENTS), within: random.pick(WINDOWS) }),
    () => ({
      event: random.pick(EVENTS),
      count: { op: random.pick(['gte', 'lt', 'eq']), value: random.pick([1, 2, 3]) },
    }),
    () => ({
      event: 'Order Completed',
      sum: { property: 'total', op: random.pick(['gte', 'lt']), value: random.pick([50, 100]) },
    }),
    () => ({
      event: 'Order Completed',
      where: [{ property: 'total', op: random.pick(['gt', 'lte']), value: 40 }],
    }),
    () => ({
      event: random.pick(EVENTS),
      notFollowedBy: { event: random.pick(EVENTS), within: random.pick(WINDOWS) },
    }),
    () => ({
      event: random.pick(EVENTS),
      followedBy: { event: random.pick(EVENTS), within: random.pick(WINDOWS) },
    }),
    () => ({
      stage: random.pick(['awareness', 'consideration', 'preference', 'action', 'loyalty', 'advocacy']),
    }),
    () => ({
      reachedStage: random.pick(['consideration', 'action', 'loyalty']),
      within: random.pick(WINDOWS),
    }),
    () => ({ lapsed: random.next() < 0.5 }),
    () => ({ account: true }),
    () => ({ buyingRole: random.pick(['economic_buyer', 'champion']) }),
    () => ({ rfm: random.pick(['champions', 'new', 'at_risk', 'hibernating']) }),
  ];
  return random.pick(leaves)();
}

describe.skipIf(!testDatabaseUrl)('segment rules on both engines', () => {
  const engines: Array<{
    database: TestDatabase;
    app: TestApp;
    evaluate(rules: unknown): Promise<string[]>;
  }> = [];

  beforeAll(async () => {
    for (const engine of ['duckdb', 'postgres'] as const) {
      const database = await createTestDatabase(engine);
      const { migrate } = await import('../../platform/db/migrate.ts');
      await migrate(database.db);
      const app = await createTestApp(database.db, { clock: fixedClock('2026-04-15T00:00:00Z') });
      const workspaceId = app.workspace.workspaceId;
      expect((await createIngestService(app.deps).ingest(workspaceId, segmentFixture())).rejected).toEqual(
        [],
      );
      const segments = createSegmentService({ ...app.deps, lifecycle: createLifecycleService(app.deps) });
      const users = await database.db.query<{ customer_id: number; value: string }>(
        "SELECT customer_id, value FROM identities WHERE workspace_id = $1 AND kind = 'user'",
        [workspaceId],
      );
      const names = new Map(users.map((row) => [row.customer_id, row.value]));
      engines.push({
        database,
        app,
        evaluate: async (rules) => {
          const result = await segments.evaluate(
            workspaceId,
            EvaluateBodySchema.parse({ rules, limit: 1000 }),
          );
          return result.members
            .map((member) => names.get(member.customerId) ?? String(member.customerId))
            .sort();
        },
      });
    }
  }, 60_000);
  afterAll(async () => {
    for (const { app, database } of engines) {
      await app.app.close();
      await database.drop();
    }
  });

  it(`selects the same members on both engines for ${TREES} random rule trees`, async () => {
    const random = generator(20261130);
    const sizes = new Set<number>();
    for (let tree = 0; tree < TREES; tree += 1) {
      const rules = randomRule(random, 0);
      const [duckdb, postgres] = await Promise.all(
        engines.map((engine) =>
          engine.evaluate(rules).catch((error: Error) => {
            throw new Error(
              `${engine.database.db.engine} failed on ${JSON.stringify(rules)}: ${error.message}`,
            );
          }),
        ),
      );
      expect(postgres, JSON.stringify(rules)).toEqual(duckdb);
      sizes.add(duckdb!.length);
    }
    // The trees are not all empty or all everyone: they tell the engines apart if they differ.
    expect(sizes.size).toBeGreaterThan(5);
  }, 120_000);
});
