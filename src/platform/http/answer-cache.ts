/**
 * Keeps the API's answers to reads until the data changes. An analysis over a large world takes seconds; the
 * console asks for the same ones every time a page opens. An answer is kept with the database's count of
 * changes (db/change-counter.ts) when it was computed, and given again while that count has not moved: any
 * write — an event tracked, an import, a setting saved, a background refresh — makes every kept answer stale.
 * Answers also expire after `maxAgeMs`, for the few that depend on the time of day.
 *
 * Only where this process is the database's sole writer: DuckDB, whose file it holds alone. On PostgreSQL
 * other Agora instances may write, unseen by this count, so nothing is kept there.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';

export interface AnswerCacheOptions {
  /** Answers kept at most; the least recently used goes first. */
  maxEntries?: number;
  maxAgeMs?: number;
  /** Answers larger than this (characters) are not kept: a CSV export of a whole segment, say. */
  maxAnswerLength?: number;
}

interface Kept {
  changes: number;
  keptAt: number;
  contentType: string;
  payload: string;
}

/** The header that says an answer came from the cache, with its age in seconds (as HTTP's Age). */
export const KEPT_HEADER = 'x-agora-kept-seconds';

declare module 'fastify' {
  interface FastifyRequest {
    answerKey?: { key: string; changes: number };
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
  { maxEntries = 500, maxAgeMs = 5 * 60_000, maxAnswerLength = 4_000_000 }: AnswerCacheOptions = {},
): void {
  if (db.engine !== 'duckdb') return;
  const kept = new Map<string, Kept>();

  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET') return;
    // Who asks is part of the key where an answer depends on it (a workspace's own key sees only its workspace).
    const caller = `${request.keyBound ? 'key' : 'all'} ${request.user?.role ?? ''}`;
    const key = `${request.workspace.workspaceId} ${caller} ${request.url}`;
    const answer = kept.get(key);
    const now = clock.now().getTime();
    if (answer && answer.changes === db.changes && now - answer.keptAt < maxAgeMs) {
      // Most recently used last: the first in the map is the first to go.
      kept.delete(key);
      kept.set(key, answer);
      reply.header('content-type', answer.contentType);
      reply.header(KEPT_HEADER, String(Math.floor((now - answer.keptAt) / 1000)));
      return reply.send(answer.payload);
    }
    request.answerKey = { key, changes: db.changes };
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    const wanted = request.answerKey;
    if (!wanted || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    // A change while the answer was computed: it may hold the data before the change, or part of it.
    if (db.changes !== wanted.changes || payload.length > maxAnswerLength) return payload;
    kept.set(wanted.key, {
      changes: wanted.changes,
      keptAt: clock.now().getTime(),
      contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
      payload,
    });
    if (kept.size > maxEntries) kept.delete(kept.keys().next().value!);
    return payload;
  });
}
