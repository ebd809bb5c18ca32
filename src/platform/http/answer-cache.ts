/**
 * Keeps the API's answers to reads until the data changes. An analysis over a large world takes seconds; the
 * console asks for the same ones every time a page opens. An answer is kept with the database's count of
 * changes (db/change-counter.ts) when it was computed, and given again while that count has not moved: any
 * write — an event tracked, an import, a setting saved, a background refresh — makes every kept answer stale.
 * Answers also expire after `maxAgeMs`, for the few that depend on the time of day.
 *
 * Once the data has been quiet for `remakeAfterQuietMs` (an import done, the background refresh caught up),
 * the answers clients asked for within the last `remakeAskedWithinMs` and that are no longer current are
 * made again in the background, most recently asked first, as their clients asked them: the console's next
 * visit finds them ready instead of waiting seconds for each analysis of a large world. A change during the
 * remaking stops it until the data is quiet again.
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
  /** 0: never remade. */
  remakeAfterQuietMs?: number;
  remakeAskedWithinMs?: number;
}

interface Kept {
  changes: number;
  keptAt: number;
  contentType: string;
  payload: string;
  /** When a client (not the remaking) last asked for it, and how: the headers that say who and where. */
  askedAt: number;
  asked: { url: string; headers: Record<string, string> };
}

/** The header that says an answer came from the cache, with its age in seconds (as HTTP's Age). */
export const KEPT_HEADER = 'x-agora-kept-seconds';

/** Marks the cache's own requests, which remake an answer without counting as a client's asking. */
const REMAKE_HEADER = 'x-agora-remake';
const ASKER_HEADERS = ['authorization', 'cookie', 'x-agora-workspace'];

declare module 'fastify' {
  interface FastifyRequest {
    answerKey?: { key: string; changes: number; askedAt: number };
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
    remakeAfterQuietMs = 60_000,
    remakeAskedWithinMs = 60 * 60_000,
  }: AnswerCacheOptions = {},
): void {
  if (db.engine !== 'duckdb') return;
  const kept = new Map<string, Kept>();
  const current = (answer: Kept, now: number) =>
    answer.changes === db.changes && now - answer.keptAt < maxAgeMs;

  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // An answer about the asker (who is signed in) is theirs alone.
    if (request.method !== 'GET' || request.routeOptions.config?.ownAccount) return;
    // Roles differ only in what they may change, checked before this hook; a workspace's own key sees only its
    // workspace, so the list of workspaces depends on it.
    const key = `${request.workspace.workspaceId} ${request.keyBound ? 'key' : 'all'} ${request.url}`;
    const answer = kept.get(key);
    const now = clock.now().getTime();
    const remaking = request.headers[REMAKE_HEADER] !== undefined;
    if (answer && current(answer, now)) {
      // Most recently used last: the first in the map is the first to go.
      kept.delete(key);
      kept.set(key, { ...answer, askedAt: now });
      reply.header('content-type', answer.contentType);
      reply.header(KEPT_HEADER, String(Math.floor((now - answer.keptAt) / 1000)));
      return reply.send(answer.payload);
    }
    request.answerKey = { key, changes: db.changes, askedAt: remaking && answer ? answer.askedAt : now };
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    const wanted = request.answerKey;
    if (!wanted || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    // A change while the answer was computed: it may hold the data before the change, or part of it.
    if (db.changes !== wanted.changes || payload.length > maxAnswerLength) return payload;
    kept.delete(wanted.key);
    kept.set(wanted.key, {
      changes: wanted.changes,
      keptAt: clock.now().getTime(),
      contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
      payload,
      askedAt: wanted.askedAt,
      asked: { url: request.url, headers: askerHeaders(request) },
    });
    if (kept.size > maxEntries) kept.delete(kept.keys().next().value!);
    return payload;
  });

  let closing = false;
  if (remakeAfterQuietMs > 0) {
    const stop = repeatEvery(Math.min(5_000, remakeAfterQuietMs), remakeWhenQuiet(), (error) =>
      scope.log.error({ err: error }, 'remaking kept answers failed'),
    );
    scope.addHook('onClose', async () => {
      closing = true;
      await stop();
    });
  }

  function remakeWhenQuiet() {
    let seen = db.changes;
    let quietSince = clock.now().getTime();
    return async () => {
      const now = clock.now().getTime();
      if (db.changes !== seen) {
        seen = db.changes;
        quietSince = now;
      }
      if (now - quietSince < remakeAfterQuietMs) return;
      const due = [...kept]
        .filter(([, answer]) => !current(answer, now) && now - answer.askedAt < remakeAskedWithinMs)
        .sort(([, a], [, b]) => b.askedAt - a.askedAt);
      for (const [key, answer] of due) {
        if (db.changes !== seen || closing) return;
        const remade = await scope.inject({
          method: 'GET',
          url: answer.asked.url,
          headers: { ...answer.asked.headers, [REMAKE_HEADER]: '1' },
        });
        // Its session ended, its key was revoked, its segment deleted: not asked like this again.
        if (remade.statusCode !== 200) kept.delete(key);
      }
    };
  }
}

function askerHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ASKER_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
