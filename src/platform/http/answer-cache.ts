/**
 * Keeps the API's answers to reads until the data changes. An analysis over a large world takes seconds; the
 * console asks for the same ones every time a page opens. An answer is kept with the database's count of
 * changes (db/change-counter.ts) when its computation began, and given again while that count has not moved:
 * any write — an event tracked, an import, a setting saved, a background refresh — makes every kept answer
 * stale. Answers also expire after `maxAgeMs`, for the few that depend on the time of day.
 *
 * A console session may be given an answer up to `sessionsBehindMs` behind the tracked data, never one from
 * before a change made through the API (an import, a segment saved, a setting): a site that tracks all day
 * changes the data every second, and a dashboard a few minutes behind it beats one that takes seconds per
 * chart. The answer is then made again in the background. API keys and the CLI always get current answers.
 *
 * Once the data has been quiet for `remakeAfterQuietMs` (an import done, the background refresh caught up),
 * the answers clients asked for within the last `remakeAskedWithinMs` that are no longer current are made
 * again in the background, the quickest first: the console's next visit finds them ready instead of waiting
 * for each analysis of a large world. The cache makes them as the local CLI asks (with the server's local
 * token, on the asker's workspace), so it holds no one's credentials; an answer for a workspace's own admin
 * key, which differs only in the list of workspaces, is not made again.
 *
 * What was asked is remembered in `rememberIn` (a file in the data directory): after a restart, the answers
 * asked within `warmAskedWithinMs` are made once the data is quiet (or, on a site whose tracking never
 * pauses, `warmWithinMs` after the start), before anyone asks. So are the `openingViews` of every workspace
 * (what the console's pages ask for when they open), which count as asked when the server starts: on a world
 * no one has looked at yet, the first visitor finds them made. A request for an answer that is being made
 * waits for it rather than making it a second time on the same cores.
 *
 * Only where this process is the database's sole writer: DuckDB, whose file it holds alone. On PostgreSQL
 * other Agora instances may write, unseen by this count, so nothing is kept there.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { repeatEvery } from '../workers/repeat-every.ts';

export interface AnswerCacheOptions {
  /** Answers kept at most; the least recently used goes first. */
  maxEntries?: number;
  maxAgeMs?: number;
  /** Answers larger than this (characters) are not kept: a CSV export of a whole segment, say. */
  maxAnswerLength?: number;
  /** 0: never behind. */
  sessionsBehindMs?: number;
  /** 0: never remade when quiet. */
  remakeAfterQuietMs?: number;
  remakeAskedWithinMs?: number;
  /** The token answers are made again with (server-file.ts); without one, none is. */
  localToken?: string | undefined;
  /** Where what was asked is remembered across restarts; nowhere when absent. */
  rememberIn?: string | undefined;
  warmAskedWithinMs?: number;
  /** What was asked before the start, and the opening views, are made this long after it at the latest. */
  warmWithinMs?: number;
  /** Addresses made ahead in every workspace once the data is quiet after the server starts. */
  openingViews?: readonly string[];
  /** The workspaces to make `openingViews` in. */
  workspaces?: () => Promise<Array<{ workspaceId: number; slug: string }>>;
}

interface Kept {
  /** The counts of the database's changes and of the API's own when its computation began, and the time. */
  changes: number;
  edits: number;
  keptAt: number;
  /** When it was last seen current (the data had not changed since it was made): how far behind it is. */
  currentAt: number;
  /** How long it took to make: the quickest are made again first. */
  tookMs: number;
  contentType: string;
  payload: string;
  /** When a client (not the remaking) last asked for it. */
  askedAt: number;
  /** Where to ask to make it again; null for an answer to a workspace's own key. */
  where: Where | null;
}

/** Where an answer is asked for: its address and its workspace's slug. */
interface Where {
  url: string;
  workspace: string;
}

/** An answer to make after the start (rememberIn, an opening view): where, how long it took, when asked. */
type Asked = Where & Pick<Kept, 'tookMs' | 'askedAt'>;

/** The header that says an answer came from the cache, with its age in seconds (as HTTP's Age). */
export const KEPT_HEADER = 'x-agora-kept-seconds';
/** On an answer given to a session although newer data has arrived since it was made: its age in seconds. */
export const BEHIND_HEADER = 'x-agora-behind-seconds';

/** Marks the cache's own requests, which remake an answer without counting as a client's asking. */
const REMAKE_HEADER = 'x-agora-remake';
/** Names the workspace of a request with the local token (modules/workspaces/admin-auth.ts). */
const WORKSPACE_HEADER = 'x-agora-workspace';

declare module 'fastify' {
  interface FastifyRequest {
    answerKey?: {
      key: string;
      changes: number;
      edits: number;
      keptAt: number;
      askedAt: number;
      /** Ends its making: those who waited for it look again. */
      made: () => void;
    };
  }
}

/**
 * Registers the cache's hooks on `scope`, after its authentication hook: the workspace is part of the key, and
 * an unauthenticated request never reaches the cache.
 */
export function registerAnswerCache(
  scope: FastifyInstance,
  db: Database,
  clock: Clock,
  {
    maxEntries = 500,
    maxAgeMs = 60 * 60_000,
    maxAnswerLength = 4_000_000,
    sessionsBehindMs = 5 * 60_000,
    remakeAfterQuietMs = 60_000,
    remakeAskedWithinMs = 60 * 60_000,
    localToken,
    rememberIn,
    warmAskedWithinMs = 7 * 24 * 60 * 60_000,
    warmWithinMs = 5 * 60_000,
    openingViews = [],
    workspaces,
  }: AnswerCacheOptions = {},
): void {
  if (db.engine !== 'duckdb') return;
  const kept = new Map<string, Kept>();
  /** Asked before the server started (rememberIn) or opening views, not made since. */
  const warming = new Map<string, Asked>();
  /** Answers being made now: a request for one waits for it. */
  const making = new Map<string, Promise<void>>();
  let edits = 0;
  const current = (answer: Kept, now: number) =>
    answer.changes === db.changes && now - answer.keptAt < maxAgeMs;
  const recentEnough = (answer: Kept, now: number) =>
    answer.edits === edits && now - answer.currentAt < sessionsBehindMs;

  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (changes(request)) {
      edits++;
      return;
    }
    // An answer about the asker (who is signed in) is theirs alone.
    if (request.method !== 'GET' || request.routeOptions.config?.ownAccount) return;
    // Roles differ only in what they may change, checked before this hook; a workspace's own key sees only its
    // workspace, so the list of workspaces depends on it.
    const key = keyOf(request.workspace.workspaceId, request.keyBound, request.url);
    const byRemake = request.headers[REMAKE_HEADER] !== undefined;
    if (serveKept(request, reply, key, byRemake)) return reply;
    const underWay = making.get(key);
    if (underWay) {
      await underWay;
      if (serveKept(request, reply, key, byRemake)) return reply;
    }
    let made = () => {};
    const done = new Promise<void>((resolve) => {
      made = () => {
        if (making.get(key) === done) making.delete(key);
        resolve();
      };
    });
    making.set(key, done);
    const now = clock.now().getTime();
    request.answerKey = {
      key,
      changes: db.changes,
      edits,
      keptAt: now,
      askedAt: byRemake ? (kept.get(key)?.askedAt ?? warming.get(key)?.askedAt ?? now) : now,
      made,
    };
  });

  /** Sends the kept answer for `key` if it may be given: true when it was. */
  function serveKept(request: FastifyRequest, reply: FastifyReply, key: string, byRemake: boolean): boolean {
    const answer = kept.get(key);
    if (!answer) return false;
    const now = clock.now().getTime();
    const behind = !byRemake && request.user && !current(answer, now) && recentEnough(answer, now);
    if (!current(answer, now) && !behind) return false;
    if (behind) remake([key]);
    // Most recently used last: the first in the map is the first to go.
    kept.delete(key);
    if (!behind) answer.currentAt = now;
    kept.set(key, byRemake ? answer : { ...answer, askedAt: now });
    reply.header('content-type', answer.contentType);
    reply.header(KEPT_HEADER, String(Math.floor((now - answer.keptAt) / 1000)));
    if (behind) reply.header(BEHIND_HEADER, String(Math.floor((now - answer.currentAt) / 1000)));
    reply.send(answer.payload);
    return true;
  }

  // A client that went away does not keep others waiting: they make the answer themselves.
  scope.addHook('onRequestAbort', async (request) => {
    request.answerKey?.made();
  });

  // Counted when a change begins and when it has ended: no answer begun before its end is given as recent.
  scope.addHook('onResponse', async (request) => {
    if (changes(request)) edits++;
    request.answerKey?.made();
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    const wanted = request.answerKey;
    if (!wanted) return payload;
    if (reply.statusCode !== 200 || typeof payload !== 'string') {
      wanted.made();
      return payload;
    }
    kept.delete(wanted.key);
    warming.delete(wanted.key);
    if (payload.length > maxAnswerLength) {
      wanted.made();
      return payload;
    }
    // Kept with the counts from when it began: one computed while the data changed holds the data from
    // before the change, or part of it, current to no one but recent enough for a session.
    kept.set(wanted.key, {
      changes: wanted.changes,
      edits: wanted.edits,
      keptAt: wanted.keptAt,
      currentAt: wanted.keptAt,
      tookMs: clock.now().getTime() - wanted.keptAt,
      contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
      payload,
      askedAt: wanted.askedAt,
      where: request.keyBound ? null : { url: request.url, workspace: request.workspace.slug },
    });
    if (kept.size > maxEntries) kept.delete(kept.keys().next().value!);
    wanted.made();
    return payload;
  });

  /** Answers to make again, one at a time. */
  const queued = new Set<string>();
  let remaking: Promise<void> | undefined;
  let closing = false;

  function remake(keys: string[]): void {
    if (!localToken) return;
    for (const key of keys) queued.add(key);
    remaking ??= remakeQueued()
      .catch((error) => scope.log.error({ err: error }, 'remaking kept answers failed'))
      .finally(() => {
        remaking = undefined;
      });
  }

  async function remakeQueued(): Promise<void> {
    const began = clock.now().getTime();
    let made = 0;
    // A Set's loop also visits what is added while it runs.
    for (const key of queued) {
      queued.delete(key);
      if (closing) return;
      const answer = kept.get(key);
      const where = answer ? answer.where : warming.get(key);
      // Made in this round already (asked for again while it was being made): the next round remakes it.
      if (!where || (answer && (current(answer, clock.now().getTime()) || answer.keptAt >= began))) continue;
      const remade = await scope.inject({
        method: 'GET',
        url: where.url,
        headers: {
          authorization: `Bearer ${localToken}`,
          [WORKSPACE_HEADER]: where.workspace,
          [REMAKE_HEADER]: '1',
        },
      });
      // Its workspace or segment deleted, its route gone in a new version: not asked like this again.
      if (remade.statusCode !== 200) {
        kept.delete(key);
        warming.delete(key);
      } else made++;
    }
    if (made > 0) scope.log.info({ made, ms: clock.now().getTime() - began }, 'kept answers made again');
  }

  const stopWatching = repeatEvery(Math.min(5_000, remakeAfterQuietMs || 5_000), watch(), (error) =>
    scope.log.error({ err: error }, 'remaking kept answers failed'),
  );
  scope.addHook('onReady', async () => {
    const startedAt = clock.now().getTime();
    const recalled = rememberIn
      ? await recall(rememberIn).catch((error: Error) => {
          scope.log.warn(
            `${rememberIn} could not be read (${error.message}): the answers asked before are made when asked.`,
          );
          return [];
        })
      : [];
    for (const [key, asked] of recalled) warming.set(key, asked);
    if (openingViews.length === 0 || !workspaces) return;
    // Not known how long they take: made after what was asked before, in the console's order.
    const tookMs = Number.MAX_SAFE_INTEGER;
    for (const { workspaceId, slug } of await workspaces())
      for (const url of openingViews) {
        const key = keyOf(workspaceId, false, url);
        if (!warming.has(key)) warming.set(key, { url, workspace: slug, tookMs, askedAt: startedAt });
      }
  });
  scope.addHook('onClose', async () => {
    closing = true;
    await stopWatching();
    await remaking;
    if (rememberIn) await remember(rememberIn, askedLately(clock.now().getTime()));
  });

  /** What clients asked for within `warmAskedWithinMs`, whether kept now or still to be made. */
  function askedLately(now: number): Array<[string, Asked]> {
    const asked: Array<[string, Asked]> = [...warming];
    for (const [key, { where, tookMs, askedAt }] of kept)
      if (where) asked.push([key, { ...where, tookMs, askedAt }]);
    return asked.filter(([, { askedAt }]) => now - askedAt < warmAskedWithinMs);
  }

  /** Every few seconds: notes which answers are still current, and remakes the rest once the data is quiet. */
  function watch() {
    const startedAt = clock.now().getTime();
    let seen = db.changes;
    let quietSince = clock.now().getTime();
    let remembered = '';
    return async () => {
      const now = clock.now().getTime();
      for (const answer of kept.values()) if (current(answer, now)) answer.currentAt = now;
      if (db.changes !== seen) {
        seen = db.changes;
        quietSince = now;
      }
      if (rememberIn) {
        const asked = askedLately(now);
        const text = JSON.stringify(asked);
        if (text !== remembered) await remember(rememberIn, asked);
        remembered = text;
      }
      if (remakeAfterQuietMs === 0) return;
      const quiet = now - quietSince >= remakeAfterQuietMs;
      // A site that tracks without pause is never quiet: what no one has had since the start is made all the
      // same after a while, to be given a little behind (a kept answer is remade on being given behind).
      if (!quiet && now - startedAt < warmWithinMs) return;
      // Quickest first: most pages are ready soon, rather than all waiting behind the slowest analysis.
      const due: Array<[string, number]> = [];
      if (quiet)
        for (const [key, answer] of kept)
          if (answer.where && !current(answer, now) && now - answer.askedAt < remakeAskedWithinMs)
            due.push([key, answer.tookMs]);
      for (const [key, asked] of warming) if (!kept.has(key)) due.push([key, asked.tookMs]);
      if (due.length > 0) remake(due.sort(([, a], [, b]) => a - b).map(([key]) => key));
    };
  }
}

/** The key an answer is kept under: by workspace, by whether a workspace's own key asked, and by address. */
const keyOf = (workspaceId: number, keyBound: boolean | undefined, url: string) =>
  `${workspaceId} ${keyBound ? 'key' : 'all'} ${url}`;

/** Writes what was asked, whole or not at all (a crash mid-write leaves the file from before). */
async function remember(file: string, asked: Array<[string, Asked]>): Promise<void> {
  // Only the server's user reads it: the addresses may hold what was searched for (an email address).
  await writeFile(`${file}.tmp`, JSON.stringify(asked), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** What was asked before this server started; nothing when no file was left. A damaged file throws. */
async function recall(file: string): Promise<Array<[string, Asked]>> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '[]';
    throw error;
  });
  const asked: unknown = JSON.parse(text);
  return Array.isArray(asked) ? asked.filter(isAsked) : [];
}

function isAsked(entry: unknown): entry is [string, Asked] {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string') return false;
  const asked = entry[1] as Partial<Asked> | null;
  return (
    typeof asked?.url === 'string' &&
    asked.url.startsWith('/api/') &&
    typeof asked.workspace === 'string' &&
    typeof asked.tookMs === 'number' &&
    typeof asked.askedAt === 'number'
  );
}

/** A request through the API that may change something (a POST that only reads says so in its config). */
function changes(request: FastifyRequest): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(request.method) && !request.routeOptions.config?.readOnly;
}
