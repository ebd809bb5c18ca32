/** The `agora` binary as a user runs it: real processes, real exit codes, one-line errors. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agora, exitOf, serve } from './cli.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase, testEngines } from './engines.ts';

describe('agora command line', () => {
  it('answers an unknown verb with one line, a suggestion and exit code 2', async () => {
    const run = await agora(['kees'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "agora: unknown command 'kees' (Did you mean keys?) Run `agora --help` for usage.\n",
    );
  });

  it('explains every verb in --help', async () => {
    const run = await agora(['--help'], {});
    expect(run.code).toBe(0);
    for (const verb of ['serve', 'migrate', 'keys', 'import'])
      expect(run.stdout).toMatch(new RegExp(`\\n  ${verb}\\b.*\\S`));
  });

  it('names the data directory it cannot write to', async () => {
    const run = await agora(['keys', 'list'], { AGORA_DATA_DIR: '/etc/hostname/agora' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'agora: Cannot write to the data directory /etc/hostname/agora (ENOTDIR). ' +
        'Choose another with AGORA_DATA_DIR or --data-dir, or fix its permissions.\n',
    );
  });

  it('names an unreachable PostgreSQL and how to fall back', async () => {
    const run = await agora(['migrate'], { DATABASE_URL: 'postgres://agora@127.0.0.1:1/none' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^agora: Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/none \(.+\)\. Check DATABASE_URL, or unset it to use the embedded database\.\n$/,
    );
  });
});

describe('agora keys and serve on a DuckDB data directory', () => {
  let dataDir: string;
  const env = () => ({ AGORA_DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'agora-cli-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('works on the database directly when no server runs, and through the server while one does', async () => {
    const created = await agora(['keys', 'create', '--kind', 'write', '--name', 'website', '--json'], env());
    expect(created.code).toBe(0);
    const writeKey = JSON.parse(created.stdout);
    expect(writeKey).toMatchObject({ kind: 'write', name: 'website', revokedAt: null });

    const server = await serve(env());
    // The workspace existed already (the verb above made it), so no admin key is printed again.
    expect(server.banner).toContain('Admin key: the one printed at first start');
    const serverFile = JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8'));
    expect(serverFile.url).toBe(server.url);

    // The server holds the DuckDB file; these verbs only succeed by going through its API.
    const listed = await agora(['keys', 'list', '--json'], env());
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((key: { keyId: string }) => key.keyId)).toEqual([writeKey.keyId]);

    const revoked = await agora(['keys', 'revoke', writeKey.keyId, '--json'], env());
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).revokedAt).toEqual(expect.any(String));

    const migrations = await agora(['migrate'], env());
    expect(migrations.stdout).toContain(`The server at ${server.url} runs on this data directory`);

    const unknown = await agora(['keys', 'revoke', 'key_missing'], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'agora: There is no key "key_missing" in this workspace. List keys with `agora keys list`.\n',
    );

    const exited = exitOf(server.child);
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);

    const afterwards = await agora(['keys', 'list', '--json'], env());
    expect(JSON.parse(afterwards.stdout)[0].revokedAt).toEqual(expect.any(String));
  });
});

if (testEngines.includes('postgres')) {
  describe('agora keys on PostgreSQL', () => {
    let test: TestDatabase;

    beforeAll(async () => {
      test = await createTestDatabase('postgres');
    });

    afterAll(async () => {
      await test.drop();
    });

    it('migrates, creates and lists keys over DATABASE_URL', async () => {
      const env = { DATABASE_URL: postgresUrlForSchema(test.location) };
      const migrated = await agora(['migrate', '--json'], env);
      expect(migrated.code).toBe(0);
      expect(JSON.parse(migrated.stdout).migrations[0]).toMatchObject({ version: 1, name: 'core' });

      const created = await agora(['keys', 'create', '--kind', 'admin', '--json'], env);
      const key = JSON.parse(created.stdout);
      const listed = await agora(['keys', 'list', '--json'], env);
      expect(JSON.parse(listed.stdout)).toEqual([
        {
          keyId: key.keyId,
          kind: 'admin',
          name: 'admin',
          hint: key.hint,
          createdAt: key.createdAt,
          revokedAt: null,
        },
      ]);
      const stored = await test.db.query('SELECT count(*) AS n FROM workspaces');
      expect(stored).toEqual([{ n: 1 }]);
    });
  });
}
