/** Runs the `agora` binary as a user does: real processes, real exit codes. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Engine } from '../src/platform/db/database.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase } from './engines.ts';

const BIN = fileURLToPath(new URL('../bin/agora.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function agora(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function serve(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; banner: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...process.env, AGORA_LOG_LEVEL: 'warn', ...env },
    });
    let banner = '';
    child.stdout.on('data', (chunk) => {
      banner += chunk;
      const url = /serving workspace "default" at (\S+)/.exec(banner)?.[1];
      if (url && banner.includes('Press Ctrl+C')) resolve({ child, url, banner });
    });
    child.stderr.on('data', (chunk) => reject(new Error(String(chunk))));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${banner}`)));
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/**
 * For one engine's CLI tests: a fresh data directory (on PostgreSQL, with a database of its own) holding
 * `messages` imported as events, made before the tests and removed after them. `env` is what `agora` runs
 * with; `dir` is the directory, for files the tests write.
 */
export function dataDirWithEvents(
  engine: Engine,
  name: string,
  messages: () => object[],
): { readonly env: Record<string, string>; readonly dir: string } {
  let dir = '';
  let postgres: TestDatabase | null = null;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `agora-${name}-`));
    postgres = engine === 'postgres' ? await createTestDatabase('postgres') : null;
    env = postgres
      ? { AGORA_DATA_DIR: dir, DATABASE_URL: postgresUrlForSchema(postgres.location) }
      : { AGORA_DATA_DIR: dir };
    const file = path.join(dir, 'events.ndjson');
    await writeFile(
      file,
      messages()
        .map((message) => JSON.stringify(message))
        .join('\n'),
    );
    const imported = await agora(['import', 'events', file], env);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(async () => {
    await postgres?.drop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get env() {
      return env;
    },
    get dir() {
      return dir;
    },
  };
}
