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
 * again in the background, the quickest first, as their clients asked them: the console's next visit finds
 * them ready instead of waiting for each analysis of a large world.
 *
 * Only where this process is the database's sole writer: DuckDB, whose file it holds alone. On PostgreSQL
 * other Agora instances may write, unseen by this count, so nothing is kept there.
 */
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
  /** When a client (not the remaking) last asked for it, and how: the headers that say who and where. */
  askedAt: number;
  asked: { url: string; headers: Record<string, string> };
}

/** The header that says an answer came from the cache, with its age in seconds (as HTTP's Age). */
export const KEPT_HEADER = 'x-agora-kept-seconds';
/** On an answer given to a session although newer data has arrived since it was made: its age in seconds. */
export const BEHIND_HEADER = 'x-agora-behind-seconds';

/** Marks the cache's own requests, which remake an answer without counting as a client's asking. */
const REMAKE_HEADER = 'x-agora-remake';
const ASKER_HEADERS = ['authorization', 'cookie', 'x-agora-workspace'];

declare module 'fastify' {
  interface FastifyRequest {
    answerKey?: { key: string; changes: number; edits: number; keptAt: number; askedAt: number };
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
  }: AnswerCacheOptions = {},
): void {
  if (db.engine !== 'duckdb') return;
  const kept = new Map<string, Kept>();
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
    const key = `${request.workspace.workspaceId} ${request.keyBound ? 'key' : 'all'} ${request.url}`;
    const answer = kept.get(key);
    const now = clock.now().getTime();
    const byRemake = request.headers[REMAKE_HEADER] !== undefined;
    const behind = answer && !byRemake && request.user && !current(answer, now) && recentEnough(answer, now);
    if (answer && (current(answer, now) || behind)) {
      if (behind) remake([key]);
      // Most recently used last: the first in the map is the first to go.
      kept.delete(key);
      if (!behind) answer.currentAt = now;
      kept.set(key, byRemake ? answer : { ...answer, askedAt: now });
      reply.header('content-type', answer.contentType);
      reply.header(KEPT_HEADER, String(Math.floor((now - answer.keptAt) / 1000)));
      if (behind) reply.header(BEHIND_HEADER, String(Math.floor((now - answer.currentAt) / 1000)));
      return reply.send(answer.payload);
    }
    request.answerKey = {
      key,
      changes: db.changes,
      edits,
      keptAt: now,
      askedAt: byRemake && answer ? answer.askedAt : now,
    };
  });

  // Counted when a change begins and when it has ended: no answer begun before its end is given as recent.
  scope.addHook('onResponse', async (request) => {
    if (changes(request)) edits++;
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    const wanted = request.answerKey;
    if (!wanted || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    if (payload.length > maxAnswerLength) {
      kept.delete(wanted.key);
      return payload;
    }
    // Kept with the counts from when it began: one computed while the data changed holds the data from
    // before the change, or part of it, current to no one but recent enough for a session.
    kept.delete(wanted.key);
    kept.set(wanted.key, {
      changes: wanted.changes,
      edits: wanted.edits,
      keptAt: wanted.keptAt,
      currentAt: wanted.keptAt,
      tookMs: clock.now().getTime() - wanted.keptAt,
      contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
      payload,
      askedAt: wanted.askedAt,
      asked: { url: request.url, headers: askerHeaders(request) },
    });
    if (kept.size > maxEntries) kept.delete(kept.keys().next().value!);
    return payload;
  });

  /** Answers to make again, one at a time, as their clients asked them. */
  const queued = new Set<string>();
  let remaking: Promise<void> | undefined;
  let closing = false;

  function remake(keys: string[]): void {
    for (const key of keys) queued.add(key);
    remaking ??= remakeQueued()
      .catch((error) => scope.log.error({ err: error }, 'remaking kept answers failed'))
      .finally(() => {
        remaking = undefined;
      });
  }

  async function remakeQueued(): Promise<void> {
    // A Set's loop also visits what is added while it runs.
    for (const key of queued) {
      queued.delete(key);
      const answer = kept.get(key);
      if (closing) return;
      if (!answer || current(answer, clock.now().getTime())) continue;
      const remade = await scope.inject({
        method: 'GET',
        url: answer.asked.url,
        headers: { ...answer.asked.headers, [REMAKE_HEADER]: '1' },
      });
      // Its session ended, its key was revoked, its segment deleted: not asked like this again.
      if (remade.statusCode !== 200) kept.delete(key);
    }
  }

  const stopWatching = repeatEvery(Math.min(5_000, remakeAfterQuietMs || 5_000), watch(), (error) =>
    scope.log.error({ err: error }, 'remaking kept answers failed'),
  );
  scope.addHook('onClose', async () => {
    closing = true;
    await stopWatching();
    await remaking;
  });

  /** Every few seconds: notes which answers are still current, and remakes the rest once the data is quiet. */
  function watch() {
    let seen = db.changes;
    let quietSince = clock.now().getTime();
    return async () => {
      const now = clock.now().getTime();
      for (const answer of kept.values()) if (current(answer, now)) answer.currentAt = now;
      if (db.changes !== seen) {
        seen = db.changes;
        quietSince = now;
      }
      if (remakeAfterQuietMs === 0 || now - quietSince < remakeAfterQuietMs) return;
      // Quickest first: most pages are ready soon, rather than all waiting behind the slowest analysis.
      const due = [...kept]
        .filter(([, answer]) => !current(answer, now) && now - answer.askedAt < remakeAskedWithinMs)
        .sort(([, a], [, b]) => a.tookMs - b.tookMs);
      remake(due.map(([key]) => key));
    };
  }
}

/** A request through the API that may change something (a POST that only reads says so in its config). */
function changes(request: FastifyRequest): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(request.method) && !request.routeOptions.config?.readOnly;
}

function askerHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ASKER_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
