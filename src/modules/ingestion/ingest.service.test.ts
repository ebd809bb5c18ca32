import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import type { Database } from '../../platform/db/database.ts';
import { createIngestService, type IngestService } from './ingest.service.ts';

describeEachEngine('ingest service under concurrent writes', ({ db }) => {
  let t: TestApp;
  let ingest: IngestService;
  const ws = () => t.workspace.workspaceId;

  beforeAll(async () => {
    t = await createTestApp(db());
    // Appends that take a while, so that the next write surely starts while one is under way.
    const slowAppends: Database = {
      engine: db().engine,
      query: (sql, params) => db().query(sql, params),
      queryMatrix: (sql, params) => db().queryMatrix(sql, params),
      exec: (sql) => db().exec(sql),
      transaction: (work) => db().transaction(work),
      append: async (table, columns, rows) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return db().append(table, columns, rows);
      },
      close: () => db().close(),
      get changes() {
        return db().changes;
      },
      get dataChanges() {
        return db().dataChanges;
      },
    };
    ingest = createIngestService({ ...t.deps, db: slowAppends });
  });
  afterAll(() => t.app.close());

  it('moves events still being appended by one write to the customer a merge in the next write keeps', async () => {
    await ingest.ingest(ws(), [{ type: 'identify', userId: 'kim', messageId: 'kim-1' }]);
    const visits = Array.from({ length: 50 }, (_, i) => ({
      type: 'page',
      anonymousId: 'tablet',
      messageId: `visit-${i}`,
    }));
    const first = ingest.ingest(ws(), visits);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // These start while the first write's events are still being appended: one merges their customer away,
    // the other is a retry of part of the first write, sent before it was answered.
    const results = await Promise.all([
      first,
      ingest.ingest(ws(), [{ type: 'identify', userId: 'kim', anonymousId: 'tablet', messageId: 'kim-2' }]),
      ingest.ingest(ws(), visits.slice(0, 10)),
    ]);
    expect(results.map((result) => result.rejected)).toEqual([[], [], []]);
    const owners = await db().query<{ customer_id: number; n: number }>(
      'SELECT customer_id, count(*) AS n FROM events WHERE workspace_id = $1 GROUP BY customer_id',
      [ws()],
    );
    const [kim] = await db().query<{ customer_id: number }>(
      "SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = 'kim'",
      [ws()],
    );
    expect(owners).toEqual([{ customer_id: kim!.customer_id, n: 52 }]);
  });
});

/** The same database behind another object: a writer of its own, with an empty memory, as after a restart. */
function reopened(db: Database): Database {
  return {
    engine: db.engine,
    query: (sql, params) => db.query(sql, params),
    queryMatrix: (sql, params) => db.queryMatrix(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (work) => db.transaction(work),
    append: (table, columns, rows) => db.append(table, columns, rows),
    close: () => db.close(),
    get changes() {
      return db.changes;
    },
    get dataChanges() {
      return db.dataChanges;
    },
  };
}

describeEachEngine('ingest service after a restart', ({ db }) => {
  let t: TestApp;
  const ws = () => t.workspace.workspaceId;
  beforeAll(async () => {
    t = await createTestApp(db());
  });
  afterAll(() => t.app.close());

  it('stores retries once and finds known visitors, before and after its memory fills', async () => {
    const sentAt = new Date().toISOString();
    const signUp = [
      { type: 'page', anonymousId: 'laptop', messageId: 'restart-1', timestamp: sentAt },
      { type: 'identify', anonymousId: 'laptop', userId: 'ana', messageId: 'restart-2', timestamp: sentAt },
    ];
    await createIngestService({ ...t.deps, db: reopened(db()) }).ingest(ws(), signUp, { sentAt });

    const restarted = createIngestService({ ...t.deps, db: reopened(db()) });
    const later = [{ type: 'track', event: 'Product Viewed', anonymousId: 'laptop', messageId: 'restart-3' }];
    const results = [
      await restarted.ingest(ws(), signUp, { sentAt }),
      await restarted.ingest(ws(), later),
      // By now the memory has read the table; a retry of a message sent since the restart is answered by it.
      await new Promise((resolve) => setTimeout(resolve, 200)).then(() => restarted.ingest(ws(), later)),
      await restarted.ingest(ws(), signUp, { sentAt }),
    ];
    // Accepted counts messages stored now or by an earlier try.
    expect(results).toEqual([
      { accepted: 2, rejected: [] },
      { accepted: 1, rejected: [] },
      { accepted: 1, rejected: [] },
      { accepted: 2, rejected: [] },
    ]);
    const events = await db().query<{ message_id: string; user_id: string }>(
      `SELECT e.message_id, i.value AS user_id FROM events e
         JOIN identities i ON i.workspace_id = e.workspace_id AND i.customer_id = e.customer_id AND i.kind = 'user'
        WHERE e.workspace_id = $1 ORDER BY e.message_id`,
      [ws()],
    );
    expect(events).toEqual([
      { message_id: 'restart-1', user_id: 'ana' },
      { message_id: 'restart-2', user_id: 'ana' },
      { message_id: 'restart-3', user_id: 'ana' },
    ]);
  });
});
