/**
 * POST /api/imports/{kind}: the file streams in as the request body and the import's progress, refused lines
 * and summary stream back as NDJSON while it runs. `agora import` uses it when a server holds the data.
 */
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, errorPayload } from '../../platform/errors/app-error.ts';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import type { ImportService } from './import.service.ts';
import { IMPORT_KINDS } from './import-kinds.ts';
import { parseMapping } from './read-records.ts';

/** One line of the answer stream. */
export type ImportUpdate =
  | { type: 'progress'; rows: number; accepted: number; rejected: number }
  | { type: 'problem'; line: number; column: string; reason: string }
  | { type: 'done'; rows: number; accepted: number; rejected: number; seconds: number }
  | { type: 'failed'; error: { code: string; message: string } };

const FILE_TYPES = ['application/octet-stream', 'text/csv', 'application/x-ndjson'];

export function importRoutes(imports: ImportService): FastifyPluginAsyncZod {
  return async (app) => {
    // The body is not read here: the import reads it as a stream, at its own pace, however large.
    app.addContentTypeParser(FILE_TYPES, (_request, payload, done) => done(null, payload));

    app.post(
      '/api/imports/:kind',
      {
        schema: {
          tags: ['import'],
          summary: 'Import a CSV or NDJSON file (the body); answers NDJSON: progress, refused lines, summary',
          description:
            'Send the file as the body with Content-Type application/octet-stream, text/csv or ' +
            'application/x-ndjson (Content-Encoding: gzip allowed). Formats: docs/import.md.',
          params: z.object({ kind: z.enum(IMPORT_KINDS) }),
          querystring: z.object({
            format: z.enum(['csv', 'ndjson']),
            delimiter: z.string().length(1).optional(),
            map: z
              .union([z.string(), z.array(z.string())])
              .optional()
              .describe('field=column, repeatable: the file column that holds a field'),
          }),
          response: {
            200: z
              .unknown()
              .describe('NDJSON lines: {type: progress|problem|done|failed, …}, the last one done or failed'),
            400: ErrorResponseSchema,
            401: ErrorResponseSchema,
            415: ErrorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        if (!(request.body instanceof Object) || !('pipe' in request.body))
          throw new AppError(
            'INVALID_INPUT',
            `Send the file as the body with Content-Type ${FILE_TYPES.join(', ')}.`,
          );
        const { format, delimiter, map } = request.query;
        const mapping = parseMapping(map === undefined ? [] : [map].flat());
        let input = request.body as Readable;
        if (request.headers['content-encoding'] === 'gzip') input = input.pipe(createGunzip());
        const updates = new PassThrough();
        const send = (update: ImportUpdate) => updates.write(`${JSON.stringify(update)}\n`);
        void imports
          .run(
            request.workspace.workspaceId,
            request.params.kind,
            input,
            { format, delimiter, mapping },
            {
              progress: (counts) => send({ type: 'progress', ...counts }),
              problem: (problem) => send({ type: 'problem', ...problem }),
            },
          )
          .then(({ kind: _kind, ...summary }) => send({ type: 'done', ...summary }))
          .catch((error: unknown) =>
            send({
              type: 'failed',
              error: errorPayload(error),
            }),
          )
          .finally(() => updates.end());
        return reply.type('application/x-ndjson').send(updates);
      },
    );
  };
}
