/** `agora lifecycle`: the lifecycle funnel as a table per group, or `--json`. */
import { Command, Option } from 'commander';
import { configFromCommand } from '../../cli/cli-config.ts';
import { formatShare, printJson, printTable } from '../../cli/output.ts';
import { parseOptions, toQueryString } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import {
  BREAKDOWNS,
  LifecycleQuerySchema,
  type LifecycleReport,
  type StageFigure,
} from './lifecycle.schema.ts';
import { createLifecycleService } from './lifecycle.service.ts';

interface LifecycleOptions {
  workspace: string;
  breakdown?: string;
  from?: string;
  to?: string;
  segment?: string;
  channel?: string;
  device?: string;
  persona?: string;
  savedSegment?: string;
  refresh?: boolean;
  json?: boolean;
}

export function lifecycleCommand(): Command {
  return new Command('lifecycle')
    .description(
      'where customers stand on Awareness → Advocacy: reached, conversion, drop-off, days between stages',
    )
    .addOption(new Option('--breakdown <by>', 'one funnel per group').choices(BREAKDOWNS).default('none'))
    .option('--from <date>', 'only customers first seen on or after this date')
    .option('--to <date>', 'only customers first seen before this date')
    .addOption(new Option('--segment <segment>', 'only B2B or only B2C customers').choices(['b2b', 'b2c']))
    .option('--channel <channel>', 'only customers whose first touch came through this channel')
    .option('--device <device>', 'only customers whose first touch came from this kind of device')
    .option('--persona <id>', 'only the customers of this persona (agora personas list)')
    .option('--saved-segment <slug>', 'only the members of this saved segment (agora segments list)')
    .option('--refresh', 'rebuild every customer’s stages before reporting')
    .addOption(new Option('--workspace <slug>', 'the workspace to report on').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the report as JSON')
    .action(async (options: LifecycleOptions, command: Command) => {
      const { workspace, refresh, json, ...raw } = options;
      const query = parseOptions(LifecycleQuerySchema, raw);
      const report = await runVerb<LifecycleReport>(configFromCommand(command), workspace, {
        local: async (deps) => {
          const lifecycle = createLifecycleService(deps);
          const { workspaceId } = await localWorkspace(deps, workspace);
          // With no server running, nothing has kept the stages up to date: catch up first.
          await lifecycle.refresh(workspaceId, { full: refresh ?? false });
          return lifecycle.report(workspaceId, query);
        },
        remote: async (client) => {
          if (refresh) await client.request('POST', '/api/lifecycle/refresh?full=true');
          return client.request<LifecycleReport>('GET', `/api/lifecycle${toQueryString(query)}`);
        },
      });
      if (json) return printJson(report);
      printReport(report);
    });
}

const days = (value: number | null) => (value === null ? null : value.toFixed(1));

function printReport(report: LifecycleReport): void {
  if (report.groups.length === 0) {
    process.stdout.write('No customer has entered the funnel (for these filters).\n');
    return;
  }
  for (const group of report.groups) {
    if (report.breakdown !== 'none')
      process.stdout.write(`\n${group.key} (${group.customers.toLocaleString('en-US')} customers)\n`);
    printTable<StageFigure>(group.stages, [
      ['STAGE', (stage) => stage.stage],
      ['REACHED', (stage) => stage.reached],
      ['NOW', (stage) => stage.current],
      ['LAPSED', (stage) => stage.lapsed || null],
      ['CONVERSION', (stage) => formatShare(stage.conversionFromPrevious)],
      ['DROPPED', (stage) => stage.droppedFromPrevious],
      ['MEDIAN DAYS', (stage) => days(stage.medianDaysFromPrevious)],
      ['P90 DAYS', (stage) => days(stage.p90DaysFromPrevious)],
    ]);
  }
  const asOf = report.asOf ? new Date(report.asOf).toISOString().slice(0, 10) : 'now';
  process.stdout.write(
    `\nLapsed: in Action or Loyalty and not seen for ${report.lapsedAfterDays} days before ${asOf}.\n`,
  );
}
