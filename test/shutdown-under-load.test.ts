/** SIGTERM while batches keep arriving: every message answered with 200 is in the database afterwards. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Database } from '../src/platform/db/database.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { createTestDatabase, postgresUrlForSchema, testEngines } from './engines.ts';

const BIN = fileURLToPath(new URL('../bin/agora.js', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`agora ${args.join(' ')} exited ${code}`)),
    );
  });
}

describe.each(testEngines)('SIGTERM under load [%s]', (engine) => {
  it('stores every message that was answered with 200', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'agora-sigterm-'));
    const postgres = engine === 'postgres' ? await createTestDatabase('postgres') : null;
    const env: Record<string, string> = postgres
      ? { DATABASE_URL: postgresUrlForSchema(postgres.location), AGORA_LOG_LEVEL: 'warn' }
      : { AGORA_DATA_DIR: dataDir, AGORA_LOG_LEVEL: 'warn' };
    try {
      const { key } = JSON.parse(await run(['keys', 'create', '--kind', 'write', '--json'], env));
      const server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
        env: { ...process.env, ...env },
      });
      const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
      const url = await new Promise<string>((resolve) => {
        let banner = '';
        server.stdout.on('data', (chunk) => {
          banner += chunk;
          const found = /serving workspace "default" at (\S+)/.exec(banner)?.[1];
          if (found) resolve(found);
        });
      });

      const acknowledged: string[] = [];
      let stopping = false;
      let sent = 0;
      const statuses: number[] = [];
      const worker = async (id: number) => {
        for (let round = 0; !stopping; round++) {
          const batch = Array.from({ length: 50 }, (_, i) => ({
            type: 'track',
            event: 'Product Viewed',
            anonymousId: `load-${id}-${i % 7}`,
            messageId: `w${id}-r${round}-m${i}`,
          }));
          sent += batch.length;
          try {
            const response = await fetch(`${url}/v1/batch`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
              },
              body: JSON.stringify({ batch }),
            });
            if (response.status === 200) acknowledged.push(...batch.map((message) => message.messageId));
            else return;
          } catch {
            return; // the server has stopped listening
          }
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      stopping = true;
      server.kill('SIGTERM');
      await Promise.all(workers);
      expect(await exited).toBe(0);
      expect(acknowledged.length).toBeGreaterThan(0);
      // Requests in flight at SIGTERM are finished, not failed; late ones may only be told to retry (503).
      expect(statuses.filter((status) => status !== 503)).toEqual([]);

      const db: Database = postgres ? postgres.db : await openDuckDB(path.join(dataDir, 'agora.duckdb'));
      try {
        const stored = await db.query<{ message_id: string }>(
          'SELECT message_id FROM events WHERE message_id = ANY(CAST($1 AS TEXT[]))',
          [acknowledged],
        );
        expect(stored.length).toBe(acknowledged.length);
        expect(sent).toBeGreaterThanOrEqual(acknowledged.length);
      } finally {
        if (!postgres) await db.close();
      }
    } finally {
      await postgres?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
