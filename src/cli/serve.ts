/** What `agora serve` and `agora demo` share: stopping gracefully on signals, and the banner. */
import type { RunningServer } from '../server.ts';

/** SIGTERM / SIGINT: in-flight requests finish, the database closes, the process exits 0. */
export async function stopOnSignals(server: RunningServer): Promise<void> {
  const stop = async (signal: string) => {
    server.deps.log.info({ signal }, 'shutting down: finishing in-flight requests');
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function printServeBanner(server: RunningServer, extra: string[] = []): void {
  const lines = [
    '',
    `Agora is serving workspace "${server.workspace.slug}" at ${server.url}`,
    `  API docs:  ${server.url}/docs`,
    `  Database:  ${server.deps.config.engine === 'duckdb' ? server.deps.config.dataDir : 'PostgreSQL (DATABASE_URL)'}`,
    ...extra,
  ];
  if (server.adminKey) {
    lines.push(
      `  Admin key: ${server.adminKey.key}`,
      '             shown only now; Agora keeps just a hash of it.',
    );
  } else {
    lines.push(
      '  Admin key: the one printed at first start, or make a new one: npx agora keys create --kind admin',
    );
  }
  if (server.firstUser)
    lines.push(
      `  Console:   sign in as ${server.firstUser.user.email} with password ${server.firstUser.password}`,
      '             shown only now; change it after signing in (PUT /api/session/password).',
    );
  lines.push('Press Ctrl+C to stop.', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}
