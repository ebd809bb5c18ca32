/** `agora segments`: evaluate a rule tree, save, list, show, refresh and export segments; each with `--json`. */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { Command, Option } from 'commander';
import type { AgoraClient } from '../../cli/agora-client.ts';
import { configFromCommand } from '../../cli/cli-config.ts';
import { printJson, printTable } from '../../cli/output.ts';
import { parseOptions } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import type { Deps } from '../../deps.ts';
import { AppError, appErrorFrom } from '../../platform/errors/app-error.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import {
  EvaluateBodySchema,
  type Evaluation,
  type Member,
  type Segment,
  SegmentInputSchema,
  type SegmentRefresh,
} from './segment.schema.ts';
import { createSegmentService, type SegmentService } from './segment.service.ts';

type Run = <T>(
  command: Command,
  local: (segments: SegmentService, workspaceId: number, deps: Deps) => Promise<T>,
  remote: (client: AgoraClient) => Promise<T>,
) => Promise<T>;

const run: Run = (command, local, remote) => {
  const { workspace } = command.opts<{ workspace: string }>();
  return runVerb(configFromCommand(command), workspace, {
    local: async (deps) =>
      local(
        createSegmentService({ ...deps, lifecycle: createLifecycleService(deps) }),
        (await localWorkspace(deps, workspace)).workspaceId,
        deps,
      ),
    remote,
  });
};

export function segmentCommand(): Command {
  const segments = new Command('segments').description(
    'segments: customers selected by rules, evaluated now or saved and kept up to date',
  );

  segments
    .command('evaluate <rules-file>')
    .description('evaluate a rule tree (a JSON file, or - for standard input): its size and members')
    .option('--as-of <date>', 'windows end at this time (default: the day after the latest activity)')
    .option('--limit <n>', 'members listed', '20')
    .option('--offset <n>', 'members skipped', '0')
    .option('--json', 'print {"asOf", "size", "members": [...]} as JSON')
    .action(
      async (
        file: string,
        options: { asOf?: string; limit: string; offset: string; json?: boolean },
        command: Command,
      ) => {
        const body = parseOptions(EvaluateBodySchema, {
          rules: await readRules(file),
          asOf: options.asOf,
          limit: options.limit,
          offset: options.offset,
        });
        const result = await run<Evaluation>(
          command,
          (service, workspaceId) => service.evaluate(workspaceId, body),
          (client) => client.request('POST', '/api/segments/evaluate', body),
        );
        if (options.json) return printJson(result);
        process.stdout.write(
          `${result.size.toLocaleString('en-US')} customers as of ${new Date(result.asOf).toISOString()} (${result.seconds.toFixed(2)} s).\n`,
        );
        printMembers(result.members);
      },
    );

  segments
    .command('save <slug> <rules-file>')
    .description('save a segment from a rule tree (a JSON file, or -) and refresh its members')
    .requiredOption('--name <name>', 'a name people read')
    .option('--description <text>', 'what the segment is for')
    .option('--webhook <url>', 'POST joins and leaves here after each refresh')
    .option('--refresh-minutes <n>', 'refresh at least this often', '60')
    .option('--json', 'print the saved segment as JSON')
    .action(
      async (
        slug: string,
        file: string,
        options: {
          name: string;
          description?: string;
          webhook?: string;
          refreshMinutes: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const input = parseOptions(SegmentInputSchema, {
          name: options.name,
          description: options.description,
          rules: await readRules(file),
          webhookUrl: options.webhook,
          refreshMinutes: Number(options.refreshMinutes),
        });
        const segment = await run<Segment>(
          command,
          (service, workspaceId) => service.save(workspaceId, slug, input),
          (client) => client.request('PUT', `/api/segments/${encodeURIComponent(slug)}`, input),
        );
        if (options.json) return printJson(segment);
        process.stdout.write(`Saved segment ${segment.slug}: ${segment.members ?? 0} members.\n`);
      },
    );

  segments
    .command('list')
    .description('every saved segment with its size')
    .option('--json', 'print {"segments": [...]} as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await run<Segment[]>(
        command,
        (service, workspaceId) => service.list(workspaceId),
        async (client) => (await client.request<{ segments: Segment[] }>('GET', '/api/segments')).segments,
      );
      if (options.json) return printJson({ segments: list });
      printTable(list, [
        ['SLUG', (row) => row.slug],
        ['NAME', (row) => row.name],
        ['MEMBERS', (row) => row.members],
        ['REFRESHED', (row) => (row.refreshedAt ? new Date(row.refreshedAt).toISOString() : 'never')],
        ['WEBHOOK', (row) => row.webhookUrl ?? ''],
      ]);
    });

  segments
    .command('show <slug>')
    .description('a segment: its rules, size and first members')
    .option('--limit <n>', 'members listed', '20')
    .option('--json', 'print {"segment", "members"} as JSON')
    .action(async (slug: string, options: { limit: string; json?: boolean }, command: Command) => {
      const page = { limit: Number(options.limit), offset: 0 };
      const shown = await run(
        command,
        async (service, workspaceId) => ({
          segment: await service.get(workspaceId, slug),
          members: (await service.members(workspaceId, slug, page)).members,
        }),
        async (client) => {
          const path = `/api/segments/${encodeURIComponent(slug)}`;
          const segment = await client.request<Segment>('GET', path);
          const { members } = await client.request<{ members: Member[] }>(
            'GET',
            `${path}/members?limit=${page.limit}`,
          );
          return { segment, members };
        },
      );
      if (options.json) return printJson(shown);
      const { segment } = shown;
      process.stdout.write(
        `${segment.name} (${segment.slug}): ${segment.members ?? 0} members, refreshed ${segment.refreshedAt ? new Date(segment.refreshedAt).toISOString() : 'never'}.\n` +
          `Rules: ${JSON.stringify(segment.rules)}\n`,
      );
      printMembers(shown.members);
    });

  segments
    .command('refresh <slug>')
    .description('refresh a segment now: who joined and who left')
    .option('--json', 'print {"members", "joined", "left", "deliveries"} as JSON')
    .action(async (slug: string, options: { json?: boolean }, command: Command) => {
      const result = await run<SegmentRefresh>(
        command,
        (service, workspaceId) => service.refresh(workspaceId, slug),
        (client) => client.request('POST', `/api/segments/${encodeURIComponent(slug)}/refresh`),
      );
      if (options.json) return printJson(result);
      process.stdout.write(
        `${result.slug}: ${result.members} members; ${result.joined} joined, ${result.left} left` +
          `${result.deliveries ? `; ${result.deliveries} webhook deliveries queued` : ''} (${result.seconds.toFixed(2)} s).\n`,
      );
    });

  segments
    .command('export <slug>')
    .description('the members as CSV: customer_id, user_id, email, stage, joined_at')
    .option('--output <file>', 'write to this file instead of standard output')
    .action(async (slug: string, options: { output?: string }, command: Command) => {
      const target = () => (options.output ? createWriteStream(options.output) : keepOpen(process.stdout));
      await run(
        command,
        (service, workspaceId) => pipeline(Readable.from(service.exportCsv(workspaceId, slug)), target()),
        async (client) => {
          const response = await fetch(`${client.url}/api/segments/${encodeURIComponent(slug)}/export.csv`, {
            headers: client.headers,
          });
          if (!response.ok || !response.body) {
            const payload = (await response.json().catch(() => null)) as {
              error?: { code?: string; message?: string };
            } | null;
            throw appErrorFrom({
              code: payload?.error?.code,
              message: payload?.error?.message ?? `The server answered ${response.status}.`,
            });
          }
          await pipeline(Readable.fromWeb(response.body as ReadableStream), target());
        },
      );
    });
  for (const verb of segments.commands)
    verb.addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG));
  return segments;
}

async function readRules(file: string): Promise<unknown> {
  const text = await (file === '-' ? readStdin() : readFile(file, 'utf8')).catch(
    (error: NodeJS.ErrnoException) => {
      throw new AppError(
        'INVALID_INPUT',
        `Cannot read the rules file ${file}: ${error.code ?? error.message}.`,
      );
    },
  );
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('INVALID_INPUT', `The rules file ${file} is not JSON: ${(error as Error).message}.`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Standard output as a pipeline's end, without closing it. */
const keepOpen = (stream: NodeJS.WriteStream) =>
  new Writable({
    write: (chunk, _encoding, done) => (stream.write(chunk) ? done() : stream.once('drain', done)),
  });

function printMembers(members: readonly Member[]): void {
  printTable(members, [
    ['CUSTOMER', (row) => row.customerId],
    ['USER', (row) => row.userId ?? ''],
    ['EMAIL', (row) => row.email ?? ''],
    ['STAGE', (row) => row.stage ?? ''],
  ]);
}
