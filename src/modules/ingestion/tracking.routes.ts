/**
 * The Segment HTTP Tracking API: /v1/identify, track, page, screen, group, alias and batch, and the short
 * paths of the browser SDK (/v1/i, /t, /p, /s, /g, /a, /b). Existing SDKs work by pointing their host here.
 *
 * - The write key comes as the Basic auth username (empty password) or as `writeKey` in the body.
 * - Bodies may be gzip-compressed, and JSON may arrive as text/plain (the browser SDK avoids a CORS
 *   preflight that way); CORS is answered for every origin.
 * - 200 wherever Segment answers 200, listing refused messages. 400 for a body that cannot be read
 *   (malformed JSON or gzip, over 500 KB, not the shape of the call) and for a single call with neither
 *   userId nor anonymousId: SDKs drop a batch on 400 and retry other failures. 429 with Retry-After when
 *   too many batches are waiting.
 */
import { createGunzip } from 'node:zlib';
import cors from '@fastify/cors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors/app-error.ts';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import { sendError } from '../../platform/http/error-handler.ts';
import type { WorkspaceService } from '../workspaces/index.ts';
import type { IngestService } from './ingest.service.ts';
import { BatchSchema, type MessageType, TrackingResponseSchema } from './tracking.schema.ts';

export const MAX_REQUEST_BYTES = 500 * 1024;
/** Batches queued behind the writer before new ones are told to come back later. */
/** SDKs send a request every few seconds per visitor: one info line each would drown the log. Failures still log. */
const TRACKING_LOG_LEVEL = 'warn';
const MAX_WAITING_BATCHES = 64;
/** How long a write key's workspace is remembered; a revoked key stops working within this time. */
const WRITE_KEY_CACHE_MS = 30_000;

const SINGLE_PATHS: Array<[MessageType, string[]]> = [
  ['identify', ['/v1/identify', '/v1/i', '/i']],
  ['track', ['/v1/track', '/v1/t', '/t']],
  ['page', ['/v1/page', '/v1/p', '/p']],
  ['screen', ['/v1/screen', '/v1/s', '/s']],
  ['group', ['/v1/group', '/v1/g', '/g']],
  ['alias', ['/v1/alias', '/v1/a', '/a']],
];
const BATCH_PATHS = ['/v1/batch', '/v1/b', '/b'];

const responses = {
  200: TrackingResponseSchema,
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  429: ErrorResponseSchema,
};

export function trackingRoutes(ingest: IngestService, workspaces: WorkspaceService) {
  return async (app: FastifyInstance) => {
    await app.register(cors, { origin: true, methods: ['POST', 'OPTIONS'], maxAge: 86_400 });
    acceptGzipAndTextJson(app);
    app.setErrorHandler(trackingErrorHandler);
    const workspaceOf = createWriteKeyResolver(workspaces);
    let waiting = 0;

    async function handle(
      request: FastifyRequest,
      reply: FastifyReply,
      messages: unknown[],
      sentAt?: string,
      context?: Record<string, unknown>,
    ) {
      const workspaceId = await workspaceOf(writeKeyOf(request));
      if (waiting >= MAX_WAITING_BATCHES) {
        reply.header('retry-after', '1');
        return sendError(reply, 'RATE_LIMITED', 'Agora is busy writing earlier batches; retry in a second.');
      }
      waiting += 1;
      try {
        const result = await ingest.ingest(workspaceId, messages, {
          sentAt,
          context,
        });
        return { success: true as const, ...result };
      } finally {
        waiting -= 1;
      }
    }

    for (const [type, paths] of SINGLE_PATHS) {
      for (const [index, url] of paths.entries()) {
        app.post(
          url,
          {
            bodyLimit: MAX_REQUEST_BYTES,
            logLevel: TRACKING_LOG_LEVEL,
            schema: {
              hide: index > 0,
              tags: ['tracking'],
              summary: `Segment ${type} call`,
              security: [{ writeKey: [] }],
              body: z.looseObject({}),
              response: responses,
            },
          },
          async (request, reply) => {
            const message = { ...(withoutWriteKey(request.body) as Record<string, unknown>), type };
            const answer = await handle(request, reply, [message]);
            const rejection = 'rejected' in answer ? answer.rejected[0] : undefined;
            if (rejection?.reason === 'message has neither userId nor anonymousId') {
              return sendError(reply, 'INVALID_INPUT', 'The message needs a userId or an anonymousId.');
            }
            return answer;
          },
        );
      }
    }

    for (const [index, url] of BATCH_PATHS.entries()) {
      app.post(
        url,
        {
          bodyLimit: MAX_REQUEST_BYTES,
          logLevel: TRACKING_LOG_LEVEL,
          schema: {
            hide: index > 0,
            tags: ['tracking'],
            summary: 'Several Segment calls at once: { batch: [...], sentAt?, context? }',
            security: [{ writeKey: [] }],
            body: BatchSchema,
            response: responses,
          },
        },
        async (request, reply) => {
          const body = request.body as z.infer<typeof BatchSchema>;
          return handle(request, reply, body.batch.map(withoutWriteKey), body.sentAt, body.context);
        },
      );
    }
  };
}

/** The write key is a credential: it is not stored with the message, nor with a refused one. */
function withoutWriteKey(message: unknown): unknown {
  if (message === null || typeof message !== 'object' || !('writeKey' in message)) return message;
  const { writeKey: _credential, ...rest } = message as Record<string, unknown>;
  return rest;
}

function writeKeyOf(request: FastifyRequest): string {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (basic) {
    const user = Buffer.from(basic, 'base64').toString('utf8').split(':')[0];
    if (user) return user;
  }
  const fromBody = (request.body as { writeKey?: unknown } | undefined)?.writeKey;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  throw new AppError(
    'UNAUTHORIZED',
    'Send a write key as the Basic auth username (empty password) or as "writeKey" in the body. ' +
      'Create one with `agora keys create --kind write`.',
  );
}

function createWriteKeyResolver(workspaces: WorkspaceService) {
  const known = new Map<string, { workspaceId: number; until: number }>();
  return async (key: string): Promise<number> => {
    const cached = known.get(key);
    if (cached && cached.until > Date.now()) return cached.workspaceId;
    const found = await workspaces.authenticate(key);
    if (found?.key.kind !== 'write') {
      throw new AppError(
        'UNAUTHORIZED',
        'This write key is unknown or was revoked. Check the key your SDK is configured with.',
      );
    }
    known.set(key, { workspaceId: found.workspace.workspaceId, until: Date.now() + WRITE_KEY_CACHE_MS });
    return found.workspace.workspaceId;
  };
}

/** gzip bodies are inflated before parsing (the size limit counts inflated bytes); text/plain is JSON. */
function acceptGzipAndTextJson(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.headers['content-encoding'] !== 'gzip') return payload;
    delete request.headers['content-length'];
    return payload.pipe(createGunzip());
  });
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      const error = new Error('The body is not valid JSON.') as FastifyError;
      error.statusCode = 400;
      done(error, undefined);
    }
  });
}

/** Tracking clients get 400 for an oversize body too (Segment's answer), and gzip errors as bad input. */
function trackingErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendError(
      reply,
      'INVALID_INPUT',
      `The request body is larger than ${MAX_REQUEST_BYTES / 1024} KB; send smaller batches.`,
    );
  }
  if (error.code === 'Z_DATA_ERROR' || error.code === 'Z_BUF_ERROR') {
    return sendError(reply, 'INVALID_INPUT', 'The body says it is gzip-compressed but cannot be inflated.');
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return sendError(reply, 'INVALID_INPUT', 'The body is not valid JSON.');
  }
  throw error;
}
