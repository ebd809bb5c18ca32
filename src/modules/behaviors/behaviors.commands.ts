/**
 * `agora behaviors`: the five behaviours for the organisation and its personas, and the strategies the
 * numbers call for; `coverage`, `strategies`, `track` and `initiatives` below it.
 */
import { Command, Option } from 'commander';
import { configFromCommand } from '../../cli/cli-config.ts';
import { printJson, printTable } from '../../cli/output.ts';
import { parseOptions, toQueryString } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import type { Deps } from '../../deps.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import {
  BEHAVIORS,
  type BehaviorGroup,
  BehaviorQuerySchema,
  type BehaviorReport,
  type Coverage,
  type Initiative,
  type Recommendations,
  type Strategy,
} from './behaviors.schema.ts';
import { createBehaviorService } from './behaviors.service.ts';

const service = (deps: Deps) => createBehaviorService({ ...deps, lifecycle: createLifecycleService(deps) });
const workspaceOption = () =>
  new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG);
const WindowSchema = BehaviorQuerySchema.pick({ asOf: true, window: true });

interface ReportOptions {
  workspace: string;
  breakdown?: string;
  persona?: string;
  savedSegment?: string;
  window?: string;
  asOf?: string;
  json?: boolean;
}

export function behaviorsCommand(): Command {
  const behaviors = new Command('behaviors').description(
    'access, engage, customize, connect, collaborate: how well each is served, and what to do',
  );
  // The report is the default subcommand, so that `agora behaviors --json` and `agora behaviors coverage
  // --json` each give --json to the verb named (a parent's own options would take it from its subcommands).
  behaviors
    .command('report', { isDefault: true })
    .description('the index of the organisation and its groups, and the strategies the numbers call for')
    .addOption(
      new Option('--breakdown <by>', 'beside the organisation')
        .choices(['persona', 'segment', 'channel'])
        .default('persona'),
    )
    .option('--persona <id>', 'only the customers of this persona')
    .option('--saved-segment <slug>', 'only the members of this saved segment')
    .option('--window <days>', 'days of activity the scores read', '90')
    .option('--as-of <date>', 'the end of the window (default: the day after the latest event)')
    .addOption(workspaceOption())
    .option('--json', 'print {"organisation", "groups", "strategies", "portfolio", …} as JSON')
    .action(async (options: ReportOptions, command: Command) => {
      const { workspace, json, ...raw } = options;
      const query = parseOptions(BehaviorQuerySchema, raw);
      const window = { asOf: query.asOf, window: query.window };
      const [report, advice] = await runVerb<[BehaviorReport, Recommendations]>(
        configFromCommand(command),
        workspace,
        {
          local: async (deps) => {
            const { workspaceId } = await localWorkspace(deps, workspace);
            const behaviorService = service(deps);
            return [
              await behaviorService.report(workspaceId, query),
              await behaviorService.recommendations(workspaceId, window),
            ];
          },
          remote: async (client) => [
            await client.request<BehaviorReport>('GET', `/api/behaviors${toQueryString(query)}`),
            await client.request<Recommendations>(
              'GET',
              `/api/behaviors/recommendations${toQueryString(window)}`,
            ),
          ],
        },
      );
      if (json) return printJson({ ...report, strategies: advice.organisation, portfolio: advice.portfolio });
      process.stdout.write(
        `Behaviour index (0–100) of customers active in the ${report.windowDays} days to ${day(report.asOf)}:\n\n`,
      );
      printGroups([report.organisation, ...report.groups]);
      process.stdout.write('\nReach (share of active customers showing each behaviour):\n');
      printTable(
        [report.organisation, ...report.groups],
        [
          ['GROUP', (group) => group.key],
          ...BEHAVIORS.map((behavior): [string, (group: BehaviorGroup) => string] => [
            behavior.toUpperCase(),
            (group) => `${Math.round(figure(group, behavior).reach * 100)} %`,
          ]),
        ],
      );
      process.stdout.write('\nStrategies the numbers call for:\n');
      if (advice.organisation.length === 0) process.stdout.write('None: every signal is above its level.\n');
      for (const [i, entry] of advice.organisation.entries())
        process.stdout.write(
          `${i + 1}. ${entry.strategy.title} (${entry.strategy.behavior}): ${entry.explanation}\n`,
        );
      for (const warning of advice.portfolio) process.stdout.write(`Portfolio: ${warning}\n`);
      for (const note of report.notes) process.stdout.write(`Note: ${note}\n`);
    });

  behaviors
    .command('coverage')
    .description('which behaviour-enabling touchpoints happen at all, and on which devices and channels')
    .option('--window <days>', 'days of activity read', '90')
    .option('--as-of <date>', 'the end of the window')
    .addOption(workspaceOption())
    .option('--json', 'print the coverage as JSON')
    .action(
      async (
        options: { workspace: string; window?: string; asOf?: string; json?: boolean },
        command: Command,
      ) => {
        const query = parseOptions(WindowSchema, { window: options.window, asOf: options.asOf });
        const coverage = await runVerb<Coverage>(configFromCommand(command), options.workspace, {
          local: async (deps) =>
            service(deps).coverage((await localWorkspace(deps, options.workspace)).workspaceId, query),
          remote: (client) =>
            client.request<Coverage>('GET', `/api/behaviors/coverage${toQueryString(query)}`),
        });
        if (options.json) return printJson(coverage);
        for (const entry of coverage.behaviors) process.stdout.write(`${entry.finding}\n`);
      },
    );

  behaviors
    .command('strategies')
    .description(
      'the strategy playbook, with this workspace’s edits (edit with PUT /api/behaviors/strategies/{id})',
    )
    .addOption(workspaceOption())
    .option('--json', 'print the playbook as JSON')
    .action(async (options: { workspace: string; json?: boolean }, command: Command) => {
      const { strategies } = await runVerb<{ strategies: Strategy[] }>(
        configFromCommand(command),
        options.workspace,
        {
          local: async (deps) => ({
            strategies: await service(deps).strategies(
              (await localWorkspace(deps, options.workspace)).workspaceId,
            ),
          }),
          remote: (client) => client.request<{ strategies: Strategy[] }>('GET', '/api/behaviors/strategies'),
        },
      );
      if (options.json) return printJson({ strategies });
      printTable(strategies, [
        ['ID', (strategy) => strategy.id],
        ['BEHAVIOUR', (strategy) => strategy.behavior],
        ['TITLE', (strategy) => strategy.title],
        ['NEEDED WHILE', (strategy) => `${strategy.signal.metric} < ${strategy.signal.below}`],
        ['KPI', (strategy) => strategy.kpi.metric],
        ['', (strategy) => (strategy.origin === 'default' ? '' : strategy.origin)],
      ]);
    });

  behaviors
    .command('track')
    .description('track a strategy as an initiative: its KPI before the start and since')
    .argument('<strategyId>', 'the strategy (agora behaviors strategies)')
    .option('--since <date>', 'when the work began (default: now)')
    .option('--note <text>', 'what is being done')
    .addOption(workspaceOption())
    .option('--json', 'print the initiative as JSON')
    .action(
      async (
        strategyId: string,
        options: { workspace: string; since?: string; note?: string; json?: boolean },
        command: Command,
      ) => {
        const body = { strategyId, startedAt: options.since, note: options.note };
        const initiative = await runVerb<Initiative>(configFromCommand(command), options.workspace, {
          local: async (deps) =>
            service(deps).track((await localWorkspace(deps, options.workspace)).workspaceId, body),
          remote: (client) => client.request<Initiative>('POST', '/api/behaviors/initiatives', body),
        });
        if (options.json) return printJson(initiative);
        process.stdout.write(
          `Tracking ${initiative.strategyId} (${initiative.behavior}) since ${day(initiative.startedAt)}: KPI ${initiative.kpi.metric}, ${initiative.kpi.description}.\n`,
        );
      },
    );

  behaviors
    .command('initiatives')
    .description('tracked initiatives, each with its KPI before its start and since')
    .addOption(workspaceOption())
    .option('--json', 'print the initiatives as JSON')
    .action(async (options: { workspace: string; json?: boolean }, command: Command) => {
      const { initiatives } = await runVerb<{ initiatives: Initiative[] }>(
        configFromCommand(command),
        options.workspace,
        {
          local: async (deps) => ({
            initiatives: await service(deps).initiatives(
              (await localWorkspace(deps, options.workspace)).workspaceId,
            ),
          }),
          remote: (client) =>
            client.request<{ initiatives: Initiative[] }>('GET', '/api/behaviors/initiatives'),
        },
      );
      if (options.json) return printJson({ initiatives });
      const value = (entry: Initiative, which: number | null) =>
        which === null
          ? '–'
          : entry.kpi.metric === 'index' || entry.kpi.metric === 'depth'
            ? which.toFixed(1)
            : `${(which * 100).toFixed(1)} %`;
      printTable(initiatives, [
        ['ID', (entry) => entry.initiativeId],
        ['STRATEGY', (entry) => entry.strategyId],
        ['SINCE', (entry) => day(entry.startedAt)],
        ['KPI', (entry) => `${entry.behavior} ${entry.kpi.metric}`],
        ['BEFORE', (entry) => value(entry, entry.before)],
        ['SINCE START', (entry) => value(entry, entry.after)],
        ['DAYS', (entry) => entry.days],
      ]);
    });
  return behaviors;
}

const day = (date: Date | string) => new Date(date).toISOString().slice(0, 10);
const figure = (group: BehaviorGroup, behavior: (typeof BEHAVIORS)[number]) =>
  group.behaviors.find((entry) => entry.behavior === behavior)!;

function printGroups(groups: BehaviorGroup[]): void {
  printTable(groups, [
    ['GROUP', (group) => group.key],
    ['ACTIVE', (group) => group.activeCustomers],
    ...BEHAVIORS.map((behavior): [string, (group: BehaviorGroup) => string] => [
      behavior.toUpperCase(),
      (group) => figure(group, behavior).index.toFixed(1),
    ]),
    ['STRONGEST', (group) => group.strongest ?? '–'],
    ['WEAKEST', (group) => group.weakest ?? '–'],
  ]);
}
