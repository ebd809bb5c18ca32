import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { migrationStatus } from '../db/migrate.ts';

const MigrationListSchema = z.object({
  engine: z.enum(['duckdb', 'postgres']),
  migrations: z.array(
    z.object({ version: z.number().int(), name: z.string(), appliedAt: z.date().nullable() }),
  ),
});

/** The schema version the server runs on (it applies pending migrations when it starts). */
export function migrationRoutes(db: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/migrations',
      {
        schema: {
          tags: ['admin'],
          summary: 'The database migrations and when each was applied',
          response: { 200: MigrationListSchema },
        },
      },
      async () => ({ engine: db.engine, migrations: await migrationStatus(db) }),
    );
  };
}
