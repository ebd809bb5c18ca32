import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createWriteKey, type TestApp } from '../../../test/app.ts';
import { createTestDatabase, describeEachEngine, type TestDatabase } from '../../../test/engines.ts';
import { buildApp } from '../../app.ts';
import { createUserService } from '../../modules/users/index.ts';
import { createWorkspaceService } from '../../modules/workspaces/index.ts';
import { changesAccessOnly, onlyReads } from '../db/change-counter.ts';
import { migrate } from '../db/migrate.ts';
import { type AnswerCacheOptions, BEHIND_HEADER, KEPT_HEADER } from './answer-cache.ts';

const LOCAL_TOKEN = 'local_answers';

describe('which statements only read', () => {
  it('tells reads from changes, comments and a changing WITH included', () => {
    expect(onlyReads('SELECT 1')).toBe(true);
    expect(onlyReads('  -- why\n/* what */ select * FROM events')).toBe(true);
    expect(onlyReads('WITH x AS (SELECT 1) SELECT * FROM x')).toBe(true);
    expect(onlyReads('WITH gone AS (DELETE FROM events RETURNING 1) SELECT count(*) FROM gone')).toBe(false);
    expect(onlyReads('INSERT INTO events VALUES (1)')).toBe(false);
    expect(onlyReads('update customers SET x = 1')).toBe(false);
    expect(onlyReads('CREATE TABLE t (x INT)')).toBe(false);
  });

  it('tells a change to who may sign in from a change to the data analyses read', () => {
    expect(changesAccessOnly('INSERT INTO user_sessions (token_hash) VALUES ($1)')).toBe(true);
    expect(changesAccessOnly('  delete from sign_in_failures WHERE email = $1')).toBe(true);
    expect(changesAccessOnly('UPDATE api_keys SET revoked_at = $1')).toBe(true);
    expect(changesAccessOnly('INSERT INTO users_archive SELECT * FROM users')).toBe(false);
    expect(changesAccessOnly('UPDATE segments SET name = $1')).toBe(false);
    expect(
      changesAccessOnly('WITH gone AS (DELETE FROM events RETURNING 1) INSERT INTO users SELECT 1'),
    ).toBe(false);
  });
});

describeEachEngine('answers kept until the data changes', ({ engine, db }) => {
  let t: TestApp;
  let writeKey: string;
  const VIEWS = '/api/events?name=Product%20Viewed';
  const views = () => t.app.inject({ method: 'GET', url: VIEWS, headers: t.admin });
  const count = (response: { json(): unknown }) => (response.json() as { events: unknown[] }).events.length;
  const track = (userId: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      payload: { event: 'Product Viewed', userId, timestamp: '2026-03-01T10:00:00Z' },
    });

  beforeAll(async () => {
    t = await createTestApp(db(), { localToken: LOCAL_TOKEN });
    writeKey = await createWriteKey(t);
    expect((await track('ana')).statusCode).toBe(200);
  });
  afterAll(() => t.app.close());

  it('counts a failed sign-in as a change, but not as a change to the data analyses read', async () => {
    const before = { changes: db().changes, data: db().dataChanges };
    const failed = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'nobody@example.com', password: 'not-the-password' },
    });
    expect(failed.statusCode).toBe(401);
    expect(db().changes).toBeGreaterThan(before.changes);
    expect(db().dataChanges).toBe(before.data);
    await db().query('UPDATE workspaces SET name = name WHERE workspace_id = $1', [t.workspace.workspaceId]);
    expect(db().dataChanges).toBeGreaterThan(before.data);
  });

  it(
    engine === 'duckdb'
      ? 'gives a read’s answer again, saying so, until an event arrives'
      : 'keeps nothing on PostgreSQL, where other instances may write',
    async () => {
      const computed = await views();
      const again = await views();
      expect(again.body).toBe(computed.body);
      expect(count(again)).toBe(1);
      expect(again.headers[KEPT_HEADER]).toBe(engine === 'duckdb' ? '0' : undefined);

      expect((await track('ben')).statusCode).toBe(200);
      const after = await views();
      expect(after.headers[KEPT_HEADER]).toBeUndefined();
      expect(count(after)).toBe(2);
    },
  );

  it('keeps answers apart by workspace and by query', async () => {
    const other = await t.app.inject({ method: 'GET', url: `${VIEWS}&limit=1`, headers: t.admin });
    expect(other.headers[KEPT_HEADER]).toBeUndefined();
    expect(count(other)).toBe(1);
    // The local CLI's token names the workspace by header: the same address in two workspaces.
    await createWorkspaceService(t.deps).ensureWorkspace({ slug: 'elsewhere' });
    const inWorkspace = (slug: string) =>
      t.app.inject({
        method: 'GET',
        url: VIEWS,
        headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'x-agora-workspace': slug },
      });
    expect(count(await inWorkspace(t.workspace.slug))).toBe(2);
    expect(count(await inWorkspace('elsewhere'))).toBe(0);
    expect(count(await inWorkspace(t.workspace.slug))).toBe(2);
  });
});

const localCli = (t: TestApp) => ({
  authorization: `Bearer ${LOCAL_TOKEN}`,
  'x-agora-workspace': t.workspace.slug,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (response: { json(): unknown }) => (response.json() as { events: unknown[] }).events.length;
const VIEWED = '/api/events?name=Product%20Viewed';

/** The headers of a console session of the app's first admin. */
async function signIn(t: TestApp): Promise<Record<string, string>> {
  const { password } = (await createUserService(t.deps).ensureFirstAdmin())!;
  const signedIn = await t.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: 'admin@agora.local', password },
  });
  return { cookie: `agora_session=${signedIn.cookies[0]!.value}`, 'x-agora-workspace': t.workspace.slug };
}

/**
 * A DuckDB app (the engine that keeps answers) with the cache's timings given, and a write key; `ask` asks as
 * the local CLI does, with the server's local token.
 */
function keepingApp(answers: AnswerCacheOptions) {
  let database: TestDatabase;
  let t: TestApp;
  let writeKey: string;
  beforeAll(async () => {
    database = await createTestDatabase('duckdb');
    await migrate(database.db);
    t = await createTestApp(database.db, { answers, localToken: LOCAL_TOKEN });
    writeKey = await createWriteKey(t);
  });
  afterAll(async () => {
    await t.app.close();
    await database.drop();
  });
  return {
    app: () => t,
    ask: (url = VIEWED, headers: Record<string, string> = localCli(t)) =>
      t.app.inject({ method: 'GET', url, headers }),
    track: (userId: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
        payload: { event: 'Product Viewed', userId, timestamp: '2026-03-01T10:00:00Z' },
      }),
  };
}

describe('answers made again once the data is quiet', () => {
  const { app, ask, track } = keepingApp({ remakeAfterQuietMs: 100, remakeAskedWithinMs: 2_000 });

  it('has what a client asked for ready again, with the new data, soon after the data changed', async () => {
    await track('ana');
    expect(count(await ask())).toBe(1);
    await track('ben');
    await sleep(1_500);
    const remade = await ask();
    expect(remade.headers[KEPT_HEADER]).toBeDefined();
    expect(count(remade)).toBe(2);
  });

  it('does not make again an answer for a workspace’s own admin key', async () => {
    const byKey = `${VIEWED}&limit=5`;
    expect(count(await ask(byKey, app().admin))).toBe(2);
    await track('dan');
    await sleep(1_500);
    expect((await ask(byKey, app().admin)).headers[KEPT_HEADER]).toBeUndefined();
  });

  it('leaves what no client asked for lately, a remade answer not counting as asked', async () => {
    const limited = `${VIEWED}&limit=10`;
    expect(count(await ask(limited))).toBe(3);
    await sleep(2_100);
    await track('cleo');
    await sleep(1_000);
    const later = await ask(limited);
    expect(later.headers[KEPT_HEADER]).toBeUndefined();
    expect(count(later)).toBe(4);
  });
});

describe('an answer asked for while it is being made', () => {
  const { ask, track } = keepingApp({ remakeAfterQuietMs: 0 });

  it('is made once: the second asker waits for the first one’s answer', async () => {
    await track('ana');
    const both = await Promise.all([ask(), ask()]);
    expect(both.map((response) => response.headers[KEPT_HEADER] === undefined).sort()).toEqual([false, true]);
    expect(both[0]!.body).toBe(both[1]!.body);
    expect(count(both[0]!)).toBe(1);
  });
});

describe('answers asked before a restart', () => {
  const rememberIn = path.join(os.tmpdir(), `agora-asked-${process.pid}-${Date.now()}.json`);
  const answers = { remakeAfterQuietMs: 100, rememberIn };
  const { app, ask, track } = keepingApp(answers);
  afterAll(() => rm(rememberIn, { force: true }));

  it('are made again after the server starts, before anyone asks, and only those asked lately', async () => {
    await track('ana');
    expect(count(await ask())).toBe(1);
    expect(count(await ask(`${VIEWED}&limit=5`, app().admin))).toBe(1);
    await app().app.close();
    const remembered = JSON.parse(await readFile(rememberIn, 'utf8')) as Array<[string, { url: string }]>;
    // Not the answer for the workspace's own key: it is not made again.
    expect(remembered.map(([, asked]) => asked.url)).toEqual([VIEWED]);

    const restarted = await buildApp(app().deps, { localToken: LOCAL_TOKEN, answers });
    await restarted.ready();
    try {
      await sleep(1_000);
      const warm = await restarted.inject({ method: 'GET', url: VIEWED, headers: localCli(app()) });
      expect(warm.headers[KEPT_HEADER]).toBeDefined();
      expect(count(warm)).toBe(1);
      const limited = await restarted.inject({
        method: 'GET',
        url: `${VIEWED}&limit=5`,
        headers: app().admin,
      });
      expect(limited.headers[KEPT_HEADER]).toBeUndefined();
    } finally {
      await restarted.close();
    }
  });

  it('are forgotten when the file is damaged, and the server starts all the same', async () => {
    await writeFile(rememberIn, '{ not json');
    const restarted = await buildApp(app().deps, { localToken: LOCAL_TOKEN, answers });
    await restarted.ready();
    const response = await restarted.inject({ method: 'GET', url: VIEWED, headers: localCli(app()) });
    expect(count(response)).toBe(1);
    await restarted.close();
  });
});

describe('the console’s opening views', () => {
  const { ask, track } = keepingApp({ remakeAfterQuietMs: 100, openingViews: [VIEWED] });

  it('are made once the data is quiet after the start, before anyone asks, and nothing else is', async () => {
    await track('ana');
    await sleep(1_000);
    const opening = await ask();
    expect(opening.headers[KEPT_HEADER]).toBeDefined();
    expect(count(opening)).toBe(1);
    expect((await ask(`${VIEWED}&limit=3`)).headers[KEPT_HEADER]).toBeUndefined();
  });
});

describe('opening views on a site that tracks without pause', () => {
  const { app, track } = keepingApp({
    remakeAfterQuietMs: 1_000,
    warmWithinMs: 1_500,
    sessionsBehindMs: 60_000,
    openingViews: [VIEWED],
  });

  it('are made all the same a while after the start, and given to a session a little behind', async () => {
    const session = await signIn(app());
    for (let n = 0; n < 15; n++) {
      await track(`visitor-${n}`);
      await sleep(200);
    }
    const opening = await app().app.inject({ method: 'GET', url: VIEWED, headers: session });
    expect(opening.headers[BEHIND_HEADER]).toBeDefined();
  });
});

describe('answers a console session may have a little behind the tracked data', () => {
  const { app, ask, track } = keepingApp({ remakeAfterQuietMs: 0, sessionsBehindMs: 60_000 });
  let session: Record<string, string>;

  it('gives a session the answer from before new events at once, and makes it again meanwhile', async () => {
    session = await signIn(app());
    await track('ana');
    expect(count(await ask(VIEWED, session))).toBe(1);
    await track('ben');
    const behind = await ask(VIEWED, session);
    expect(behind.headers[BEHIND_HEADER]).toBe(behind.headers[KEPT_HEADER]);
    expect(count(behind)).toBe(1);
    // An admin key gets the current answer; and the session, once remade, too.
    expect(count(await ask())).toBe(2);
    await sleep(500);
    const remade = await ask(VIEWED, session);
    expect(remade.headers[KEPT_HEADER]).toBeDefined();
    expect(remade.headers[BEHIND_HEADER]).toBeUndefined();
    expect(count(remade)).toBe(2);
  });

  it('never gives a session an answer from before a change made through the API', async () => {
    await track('cleo');
    const created = await app().app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: app().admin,
      payload: { kind: 'write' },
    });
    expect(created.statusCode).toBe(201);
    const after = await ask(VIEWED, session);
    expect(after.headers[KEPT_HEADER]).toBeUndefined();
    expect(count(after)).toBe(3);
  });
});

describe('how far behind an answer is', () => {
  const { app, ask, track } = keepingApp({ remakeAfterQuietMs: 0, sessionsBehindMs: 1_000 });

  it('counts from when the data last changed, not from when the answer was made', async () => {
    const session = await signIn(app());
    await track('ana');
    expect(count(await ask(VIEWED, session))).toBe(1);
    await sleep(1_200);
    // Made over a second ago, but current until now.
    expect((await ask(VIEWED, session)).headers[BEHIND_HEADER]).toBeUndefined();
    await track('ben');
    const behind = await ask(VIEWED, session);
    expect(behind.headers[BEHIND_HEADER]).toBe('0');
    expect(count(behind)).toBe(1);
  });
});
