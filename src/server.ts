/**
 * `agora serve`: opens and migrates the database, makes sure the default workspace exists, listens,
 * and on SIGTERM/SIGINT stops taking requests, lets in-flight ones finish, then closes the database.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { closeDeps, createDeps, type Deps } from './deps.ts';
import { createLifecycleService } from './modules/lifecycle/index.ts';
import { createSegmentService, createWebhookDeliverer } from './modules/segments/index.ts';
import { type CreatedUser, createUserService } from './modules/users/index.ts';
import { createValueService, ValuationQuerySchema, type ValueService } from './modules/value/index.ts';
import { type CreatedApiKey, createWorkspaceService, type Workspace } from './modules/workspaces/index.ts';
import { ensureWritableDirectory } from './platform/db/open-database.ts';
import { AppError } from './platform/errors/app-error.ts';
import { CONSOLE_OPENING_VIEWS, consoleBuilt } from './platform/http/console.routes.ts';
import {
  createLocalToken,
  findRunningServer,
  removeServerFile,
  writeServerFile,
} from './platform/http/server-file.ts';
import type { Logger } from './platform/log.ts';

const REFRESH_EVERY_MS = 30_000;
const DELIVER_EVERY_MS = 5_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface RunningServer {
  app: FastifyInstance;
  deps: Deps;
  url: string;
  workspace: Workspace;
  /** The first admin key, when this start created the workspace; null otherwise. */
  adminKey: CreatedApiKey | null;
  /** The console's first admin, when this start created it: the password is shown once. */
  firstUser: CreatedUser | null;
  /**
   * Keeps derived data (lifecycle stages, then saved segments) up with new events from now on, every 30 s,
   * values the customers once a day, and sends segment webhooks. Started after a demo
   * is loaded, whose load ends with a full refresh: refreshing during a bulk load is wasted work.
   */
  startBackgroundJobs(): void;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  options: { log?: Logger; refreshEveryMs?: number } = {},
): Promise<RunningServer> {
  await refuseSecondServer(config);
  const deps = await createDeps(config, options);
  let app: FastifyInstance | undefined;
  try {
    const { workspace, adminKey } = await createWorkspaceService(deps).ensureWorkspace();
    const firstUser = await createUserService(deps).ensureFirstAdmin();
    // Only a DuckDB directory needs the CLI to come through the server (PostgreSQL takes many clients).
    const localToken = config.engine === 'duckdb' ? createLocalToken() : undefined;
    app = await buildApp(deps, {
      localToken,
      answers: {
        rememberIn: path.join(config.dataDir, 'answers-asked.json'),
        openingViews: consoleBuilt() ? CONSOLE_OPENING_VIEWS : [],
      },
    });
    const url = await listen(app, config);
    if (localToken) await writeServerFile(config.dataDir, { pid: process.pid, url, token: localToken });
    let closing: Promise<void> | undefined;
    let stopJobs: (() => Promise<void>) | undefined;
    const startBackgroundJobs = () => {
      // Refreshes are one at a time per database whichever service runs them (lifecycle-refresh.ts).
      if (stopJobs) return;
      const everyMs = options.refreshEveryMs ?? REFRESH_EVERY_MS;
      const lifecycle = createLifecycleService(deps);
      const segments = createSegmentService({ ...deps, lifecycle });
      const valueDaily = createDailyValuation(createValueService({ ...deps, lifecycle }), deps.log);
      // Saved segments follow the stages: all of them when new events came in, the rest on their schedule.
      // Customer values are refreshed once a day.
      const stopRefreshing = lifecycle.startRefreshing(everyMs, async (workspaceId, result) => {
        await segments.refreshDue(workspaceId, result.mode !== 'skipped' && result.customers > 0);
        await valueDaily(workspaceId);
      });
      const stopDelivering = createWebhookDeliverer({
        ...deps,
        allowPrivate: config.allowPrivateWebhooks,
      }).start(DELIVER_EVERY_MS);
      stopJobs = async () => {
        await stopRefreshing();
        await stopDelivering();
      };
    };
    const close = () => {
      closing ??= (async () => {
        await removeServerFile(config.dataDir);
        await stopJobs?.();
        await app!.close();
        await closeDeps(deps);
      })();
      return closing;
    };
    return { app, deps, url, workspace, adminKey, firstUser, startBackgroundJobs, close };
  } catch (error) {
    await app?.close();
    await closeDeps(deps);
    throw error;
  }
}

/**
 * Values a workspace's customers when the last valuation is a day old or there is none. The stored values
 * are looked at once an hour, not at every refresh; a workspace whose orders are too few to fit is tried
 * again an hour later.
 */
function createDailyValuation(value: ValueService, log: Logger) {
  const checkedAt = new Map<number, number>();
  return async (workspaceId: number) => {
    const now = Date.now();
    if (now - (checkedAt.get(workspaceId) ?? 0) < HOUR_MS) return;
    checkedAt.set(workspaceId, now);
    const valuedAt = await value.valuedAt(workspaceId);
    if (valuedAt && now - valuedAt.getTime() < DAY_MS) return;
    try {
      const valuation = await value.valuate(workspaceId, ValuationQuerySchema.parse({}));
      log.info({ workspaceId, customers: valuation.customers }, 'customers valued');
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'INVALID_INPUT')) throw error;
      log.debug({ workspaceId, reason: error.message }, 'customers not valued');
    }
  };
}

/** A second server on one DuckDB directory would find the file locked; say who holds it instead. */
async function refuseSecondServer(config: Config): Promise<void> {
  if (config.engine !== 'duckdb') return;
  await ensureWritableDirectory(config.dataDir);
  const running = await findRunningServer(config.dataDir);
  if (running) {
    throw new AppError(
      'DATABASE_LOCKED',
      `Agora already serves ${config.dataDir} at ${running.url} (PID ${running.pid}). ` +
        'Use that server, stop it first, or choose another data directory with --data-dir.',
    );
  }
}

async function listen(app: FastifyInstance, config: Config): Promise<string> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new AppError(
        'PORT_IN_USE',
        `Port ${config.port} on ${config.host} is already in use. Choose another with --port or AGORA_PORT.`,
      );
    }
    if (code === 'EACCES') {
      throw new AppError(
        'PORT_IN_USE',
        `Port ${config.port} needs privileges Agora does not have. Use a port above 1024.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host}:${port}`;
}
