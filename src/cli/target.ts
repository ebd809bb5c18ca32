/**
 * Where a CLI verb runs. A DuckDB data directory is held by one process: when `agora serve` runs on it,
 * verbs go through that server's API; otherwise they open the database themselves. With PostgreSQL they
 * always open it directly, as many processes may.
 */
import type { Config } from '../config.ts';
import { closeDeps, createDeps, type Deps } from '../deps.ts';
import { findRunningServer } from '../platform/http/server-file.ts';
import { silentLogger } from '../platform/log.ts';
import { type AgoraClient, createAgoraClient } from './agora-client.ts';

export interface VerbTargets<T> {
  local(deps: Deps): Promise<T>;
  remote(client: AgoraClient): Promise<T>;
}

export async function runVerb<T>(config: Config, workspaceSlug: string, targets: VerbTargets<T>): Promise<T> {
  if (config.engine === 'duckdb') {
    const server = await findRunningServer(config.dataDir);
    if (server) return targets.remote(createAgoraClient(server, workspaceSlug));
  }
  const deps = await createDeps(config, { log: silentLogger });
  try {
    return await targets.local(deps);
  } finally {
    await closeDeps(deps);
  }
}
