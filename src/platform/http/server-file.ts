/**
 * While `agora serve` runs on a DuckDB data directory it holds the database file alone, so it leaves
 * `server.json` in that directory: its address and a random local token. A CLI verb that can read the
 * directory finds the server there and works through its API instead of opening the locked file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ServerFile {
  pid: number;
  url: string;
  token: string;
}

function serverFilePath(dataDir: string): string {
  return path.join(dataDir, 'server.json');
}

export function createLocalToken(): string {
  return `local_${randomBytes(24).toString('base64url')}`;
}

export async function writeServerFile(dataDir: string, server: ServerFile): Promise<void> {
  await writeFile(serverFilePath(dataDir), `${JSON.stringify(server, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it still describes this process's server. */
export async function removeServerFile(dataDir: string, pid = process.pid): Promise<void> {
  const server = await readServerFile(dataDir);
  if (server?.pid === pid) await rm(serverFilePath(dataDir), { force: true });
}

/** The server that runs on this data directory now, or null when none answers. */
export async function findRunningServer(dataDir: string): Promise<ServerFile | null> {
  const server = await readServerFile(dataDir);
  if (!server || !isProcessAlive(server.pid)) return null;
  try {
    const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? server : null;
  } catch {
    return null;
  }
}

async function readServerFile(dataDir: string): Promise<ServerFile | null> {
  try {
    return JSON.parse(await readFile(serverFilePath(dataDir), 'utf8')) as ServerFile;
  } catch {
    return null;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
