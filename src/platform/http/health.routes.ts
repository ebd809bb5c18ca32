/** Liveness (`/health`: the process answers) and readiness (`/ready`: the database answers and is migrated). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { migrationStatus } from '../db/migrate.ts';
import { messageOf } from '../errors/app-error.ts';
import { ErrorResponseSchema } from './error.schema.ts';
import { sendError } from './error-handler.ts';

const HealthSchema = z.object({ status: z.literal('ok') });
const ReadySchema = z.object({
  status: z.literal('ready'),
  engine: z.enum(['duckdb', 'postgres']),
  migrations: z.number().int().describe('Number of applied migrations'),
});

export function healthRoutes(db: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['health'],
          summary: 'The process is alive',
          security: [],
          response: { 200: HealthSchema },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/ready',
      {
        schema: {
          tags: ['health'],
          summary: 'The database answers and every migration is applied',
          security: [],
          response: { 200: ReadySchema, 503: ErrorResponseSchema },
        },
      },
      async (_request, reply) => {
        try {
          const migrations = await migrationStatus(db);
          const pending = migrations.filter((migration) => migration.appliedAt === null);
          if (pending.length > 0) {
            return sendError(
              reply,
              'DATABASE_UNAVAILABLE',
              `${pending.length} migration(s) are not applied yet.`,
            );
          }
          return { status: 'ready' as const, engine: db.engine, migrations: migrations.length };
        } catch (error) {
          return sendError(
            reply,
            'DATABASE_UNAVAILABLE',
            `The database does not answer: ${messageOf(error)}`,
          );
        }
      },
    );
  };
}
