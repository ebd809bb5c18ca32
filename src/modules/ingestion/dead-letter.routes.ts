import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import type { IngestService } from './ingest.service.ts';

const DeadLetterSchema = z.object({
  deadLetterId: z.string(),
  receivedAt: z.date(),
  reason: z.string(),
  message: z.unknown().describe('The message as it was sent'),
  replayedAt: z.date().nullable(),
});
const ReplayResultSchema = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), reason: z.string() })),
});
const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
};

/** The tracking messages Agora refused, and a way to send them again once fixed. */
export function deadLetterRoutes(ingest: IngestService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/dead-letters',
      {
        schema: {
          tags: ['tracking'],
          summary: 'Refused tracking messages, newest first, with the reason for each',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: { 200: z.object({ deadLetters: z.array(DeadLetterSchema) }), ...errors },
        },
      },
      async (request) => ({
        deadLetters: await ingest.listDeadLetters(request.workspace.workspaceId, request.query.limit),
      }),
    );

    app.post(
      '/api/dead-letters/:deadLetterId/replay',
      {
        schema: {
          tags: ['tracking'],
          summary:
            'Send a refused message through ingestion again, as it was or corrected ({ "message": {...} })',
          params: z.object({ deadLetterId: z.string().min(1) }),
          body: z.object({ message: z.record(z.string(), z.unknown()).optional() }).optional(),
          response: { 200: ReplayResultSchema, 409: ErrorResponseSchema, ...errors },
        },
      },
      async (request) =>
        ingest.replayDeadLetter(
          request.workspace.workspaceId,
          request.params.deadLetterId,
          request.body?.message,
        ),
    );
  };
}
