/** The `agora` command line: serve | migrate | keys … Errors print as one line and exit non-zero. */
import { Command, CommanderError, Option } from 'commander';
import { reviveDates } from './cli/agora-client.ts';
import { configFromCommand } from './cli/cli-config.ts';
import { printJson, printTable } from './cli/output.ts';
import { printServeBanner, stopOnSignals } from './cli/serve.ts';
import { runVerb } from './cli/target.ts';
import { attributionCommand } from './modules/attribution/index.ts';
import { behaviorsCommand } from './modules/behaviors/index.ts';
import { DEFAULT_DEMO, demoCommand, loadDemoInto } from './modules/demo-world/index.ts';
import { funnelCommand } from './modules/funnels/index.ts';
import { importCommand } from './modules/imports/index.ts';
import { lifecycleCommand } from './modules/lifecycle/index.ts';
import { personaCommand } from './modules/personas/index.ts';
import { segmentCommand } from './modules/segments/index.ts';
import { valueCommand } from './modules/value/index.ts';
import { DEFAULT_WORKSPACE_SLUG, keyCommands } from './modules/workspaces/index.ts';
import { migrate } from './platform/db/migrate.ts';
import { isAppError, messageOf } from './platform/errors/app-error.ts';
import { startServer } from './server.ts';

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

export function buildProgram(): Command {
  const program = new Command('agora')
    .description('Agora, the self-hosted customer network platform')
    .option('--data-dir <dir>', 'where the embedded database lives (env AGORA_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'use PostgreSQL at this postgres:// URL instead (env DATABASE_URL)')
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent (env AGORA_LOG_LEVEL, default info)',
    )
    .showSuggestionAfterError();

  program
    .command('serve')
    .description(
      'run the Agora server: its API, with docs at /docs (creates the default workspace on first start)',
    )
    .addOption(new Option('--port <port>', 'port to listen on (env AGORA_PORT)').default(undefined, '4400'))
    .addOption(
      new Option('--host <host>', 'address to bind (env AGORA_HOST)').default(undefined, '127.0.0.1'),
    )
    .option('--demo-if-empty', 'on first start, load the demo world before serving (what `npm start` does)')
    .action(async (options: { demoIfEmpty?: boolean }, command: Command) => {
      const server = await startServer(configFromCommand(command));
      await stopOnSignals(server);
      // A new workspace means an empty data directory: show Agora at work on the demo world.
      if (options.demoIfEmpty && server.adminKey) await loadDemoInto(server, DEFAULT_DEMO);
      server.startBackgroundJobs();
      printServeBanner(server);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and show the schema version')
    .option('--json', 'print the migrations as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      type Status = { version: number; name: string; appliedAt: Date | null };
      const result = await runVerb<{ applied: Status[]; migrations: Status[]; via: string }>(
        configFromCommand(command),
        DEFAULT_WORKSPACE_SLUG,
        {
          // Opening the database for a verb already applies pending migrations; this reports what it did.
          local: async (deps) => ({ ...(await migrate(deps.db)), via: 'local' }),
          remote: async (client) => {
            const { migrations } = await client.request<{ migrations: Status[] }>('GET', '/api/migrations');
            return {
              applied: [],
              migrations: migrations.map((m) => reviveDates(m, ['appliedAt'])),
              via: client.url,
            };
          },
        },
      );
      if (options.json) return printJson({ migrations: result.migrations });
      if (result.via !== 'local')
        process.stdout.write(`The server at ${result.via} runs on this data directory and applied these:\n`);
      printTable(result.migrations, [
        ['VERSION', (m) => m.version],
        ['NAME', (m) => m.name],
        ['APPLIED', (m) => m.appliedAt ?? 'pending'],
      ]);
    });

  program.addCommand(keyCommands());
  program.addCommand(importCommand());
  program.addCommand(demoCommand());
  program.addCommand(lifecycleCommand());
  program.addCommand(funnelCommand());
  program.addCommand(attributionCommand());
  program.addCommand(valueCommand());
  program.addCommand(behaviorsCommand());
  program.addCommand(personaCommand());
  program.addCommand(segmentCommand());
  forEachCommand(program, (command) =>
    command.exitOverride().configureOutput({
      outputError: (text, write) => write(`agora: ${oneSentence(text)} Run \`agora --help\` for usage.\n`),
    }),
  );
  return program;
}

/** Commander's messages as one sentence: no "error:" prefix, no line breaks, a closing period. */
function oneSentence(text: string): string {
  const sentence = text
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return /[.?)]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** Commander copies settings only to subcommands made with .command(); verbs added whole need them too. */
function forEachCommand(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) forEachCommand(sub, apply);
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message already; help and version end well.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (isAppError(error)) {
    process.stderr.write(`agora: ${error.message}\n`);
    return error.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILURE;
  }
  process.stderr.write(`agora: unexpected error: ${messageOf(error)}\n`);
  if (process.env.AGORA_LOG_LEVEL === 'debug') console.error(error);
  return EXIT_FAILURE;
}

await main(process.argv);
