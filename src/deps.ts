/** The composition root: the infrastructure every entry point (server, CLI verb, job) is built on. */
import type { Config } from './config.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import type { Database } from './platform/db/database.ts';
import { migrate } from './platform/db/migrate.ts';
import { openDatabase } from './platform/db/open-database.ts';
import { createLogger, type Logger } from './platform/log.ts';

export interface Deps {
  config: Config;
  db: Database;
  clock: Clock;
  log: Logger;
}

/** Opens the configured database and brings its schema up to date. */
export async function createDeps(config: Config, options: { log?: Logger } = {}): Promise<Deps> {
  const log = options.log ?? createLogger(config.logLevel);
  const db = await openDatabase(config);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { config, db, clock: systemClock, log };
}

export async function closeDeps(deps: Deps): Promise<void> {
  await deps.db.close();
}
