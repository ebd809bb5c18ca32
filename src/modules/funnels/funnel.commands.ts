/** `agora funnel --steps "A,B,C" --window 30d`: a custom funnel as a table, or `--json`. */
import { Command, Option } from 'commander';
import { configFromCommand } from '../../cli/cli-config.ts';
import { formatShare, printJson, printTable } from '../../cli/output.ts';
import { parseOptions } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import { FunnelQuerySchema, type FunnelResult, type FunnelStep } from './funnel.schema.ts';
import { createFunnelService } from './funnel.service.ts';

interface FunnelOptions {
  workspace: string;
  steps: string;
  window?: string;
  order?: string;
  exclude?: string[];
  breakdown?: string;
  by?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

export function funnelCommand(): Command {
  return new Command('funnel')
    .description('how many customers go through ordered event steps within a window, and where they drop off')
    .requiredOption(
      '--steps <names>',
      'event names in order, comma-separated: "Product Viewed,Product Added,Order Completed"',
    )
    .option('--window <duration>', 'time allowed from the first step to the last: 30d, 12h, 2w', '30d')
    .addOption(
      new Option('--order <order>', 'loose: other events may come between steps; strict: none may')
        .choices(['loose', 'strict'])
        .default('loose'),
    )
    .option(
      '--exclude <event[:a-b]>',
      'drop attempts with this event between steps a and b (default: first and last); repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--breakdown <property>',
      'one funnel per value of the first step’s channel, device, source, medium, campaign or properties.<key>',
    )
    .addOption(
      new Option('--by <entity>', 'count customers or B2B accounts')
        .choices(['customer', 'account'])
        .default('customer'),
    )
    .option('--from <date>', 'only attempts whose first step is on or after this date')
    .option('--to <date>', 'only attempts whose first step is before this date')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the funnel as JSON')
    .action(async (options: FunnelOptions, command: Command) => {
      const query = parseOptions(FunnelQuerySchema, {
        steps: options.steps.split(',').map((step) => step.trim()),
        window: options.window,
        order: options.order,
        exclude: (options.exclude ?? []).map(parseExclusion),
        breakdown: options.breakdown,
        aggregateBy: options.by,
        from: options.from,
        to: options.to,
      });
      const result = await runVerb<FunnelResult>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          createFunnelService(deps).run((await localWorkspace(deps, options.workspace)).workspaceId, query),
        remote: (client) =>
          client.request<FunnelResult>('POST', '/api/funnels', {
            ...query,
            window: `${query.window}s`,
            from: query.from?.toISOString(),
            to: query.to?.toISOString(),
          }),
      });
      if (options.json) return printJson(result);
      printFunnel(result);
    });
}

/** "Support Requested:1-3" → between steps 1 and 3; a bare name spans the whole funnel. */
function parseExclusion(text: string): { event: string; afterStep?: number; beforeStep?: number } {
  const match = /^(.*):(\d+)-(\d+)$/.exec(text.trim());
  if (!match) return { event: text.trim() };
  return { event: match[1]!.trim(), afterStep: Number(match[2]), beforeStep: Number(match[3]) };
}

export function formatDuration(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

function printSteps(steps: FunnelStep[]): void {
  printTable<FunnelStep & { number: number }>(
    steps.map((step, index) => ({ ...step, number: index + 1 })),
    [
      ['#', (step) => step.number],
      ['STEP', (step) => step.name],
      ['CUSTOMERS', (step) => step.customers],
      ['CONVERSION', (step) => formatShare(step.conversionFromPrevious)],
      ['FROM START', (step) => formatShare(step.conversionFromStart)],
      ['DROPPED', (step) => step.droppedFromPrevious],
      ['MEDIAN TIME', (step) => formatDuration(step.medianTimeFromPrevious)],
      ['P90 TIME', (step) => formatDuration(step.p90TimeFromPrevious)],
    ],
  );
}

function printFunnel(result: FunnelResult): void {
  if (result.aggregateBy === 'account') process.stdout.write('Counting B2B accounts.\n');
  printSteps(result.steps);
  for (const group of result.breakdown?.groups ?? []) {
    process.stdout.write(`\n${result.breakdown!.property} = ${group.value}\n`);
    printSteps(group.steps);
  }
  process.stdout.write('\nTime to convert (first step to last):\n');
  printTable(result.timeToConvert, [
    ['WITHIN', (bucket) => bucket.label],
    ['CUSTOMERS', (bucket) => bucket.customers],
  ]);
}
