/** `agora attribution`: every model's credit per channel as one table, or `--json`. */
import { Command, Option } from 'commander';
import { configFromCommand } from '../../cli/cli-config.ts';
import { type Column, formatShare, printJson, printTable } from '../../cli/output.ts';
import { parseOptions, toQueryString } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import {
  AttributionQuerySchema,
  type AttributionReport,
  ExperimentQuerySchema,
  type ExperimentReport,
  MODELS,
  type Model,
  StageAttributionQuerySchema,
  type StageAttributionReport,
} from './attribution.schema.ts';
import { createAttributionService } from './attribution.service.ts';

interface AttributionOptions {
  workspace: string;
  conversion?: string;
  occurrence?: string;
  lookback?: string;
  by?: string;
  halfLife?: string;
  markovOrder?: string;
  bootstrap?: string;
  from?: string;
  to?: string;
  experiments?: boolean;
  trait?: string;
  stages?: boolean;
  json?: boolean;
}

/** Short column heads for the table. */
const HEADS: Record<Model, string> = {
  firstTouch: 'FIRST',
  lastTouch: 'LAST',
  lastNonDirect: 'LAST NON-DIRECT',
  linear: 'LINEAR',
  timeDecay: 'TIME DECAY',
  positionBased: 'POSITION',
  wShaped: 'W-SHAPED',
  markov: 'MARKOV',
  shapley: 'SHAPLEY',
};

export function attributionCommand(): Command {
  return new Command('attribution')
    .description(
      'which touchpoints get the credit for conversions, under every attribution model side by side',
    )
    .option('--conversion <event>', 'the conversion: an event name, or stage:<stage>', 'Order Completed')
    .addOption(
      new Option('--occurrence <which>', 'credit every conversion or only each customer’s first')
        .choices(['every', 'first'])
        .default('every'),
    )
    .option('--lookback <duration>', 'touchpoints this long before a conversion count: 30d, 12h, 2w', '30d')
    .option(
      '--by <grouping>',
      'channel, campaign, device, source, medium, touchpoint, format or properties.<key>',
      'channel',
    )
    .option('--half-life <duration>', 'time decay: a touchpoint this much earlier counts half', '7d')
    .option('--markov-order <n>', 'Markov chain order: 1, 2 or 3', '1')
    .option(
      '--bootstrap <n>',
      'resamples of customers for 95 % intervals on Markov and Shapley credit, e.g. 100',
    )
    .option('--from <date>', 'only conversions on or after this date')
    .option('--to <date>', 'only conversions before this date')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option(
      '--experiments',
      'instead, the lift of each randomised experiment (Experiment Assigned events, or --trait) over its holdout, within --lookback after assignment',
    )
    .option(
      '--trait <name>',
      'with --experiments: the arms are the first values customers were given for this trait (e.g. holdout, exposed), not events',
    )
    .option(
      '--stages',
      'instead, the models over each step of the lifecycle: which touchpoints move customers from one stage to the next',
    )
    .option('--json', 'print {"models": {"<model>": {"<group>": {"conversions", "revenue"}}}, …} as JSON')
    .action(async (options: AttributionOptions, command: Command) => {
      if (options.experiments) return experiments(options, command);
      if (options.trait)
        throw new AppError(
          'INVALID_INPUT',
          '--trait: only with --experiments, where it names the trait holding the arms.',
        );
      if (options.stages) return stages(options, command);
      const { workspace, json, experiments: _, stages: __, trait: ___, ...raw } = options;
      // Checked here, so that a mistake is told before any connection; the server is sent what was typed.
      const query = parseOptions(AttributionQuerySchema, raw);
      const report = await runVerb<AttributionReport>(configFromCommand(command), workspace, {
        local: async (deps) =>
          createAttributionService({ ...deps, lifecycle: createLifecycleService(deps) }).compare(
            (await localWorkspace(deps, workspace)).workspaceId,
            query,
          ),
        remote: (client) => client.request<AttributionReport>('GET', `/api/attribution${toQueryString(raw)}`),
      });
      if (json) return printJson(report);
      printReport(report);
    });
}

async function experiments(options: AttributionOptions, command: Command): Promise<void> {
  const { workspace, json, conversion, occurrence, lookback, trait } = options;
  const raw = { conversion, occurrence, window: lookback, trait };
  const query = parseOptions(ExperimentQuerySchema, raw);
  const report = await runVerb<ExperimentReport>(configFromCommand(command), workspace, {
    local: async (deps) =>
      createAttributionService({ ...deps, lifecycle: createLifecycleService(deps) }).experiments(
        (await localWorkspace(deps, workspace)).workspaceId,
        query,
      ),
    remote: (client) =>
      client.request<ExperimentReport>('GET', `/api/attribution/experiments${toQueryString(raw)}`),
  });
  if (json) return printJson(report);
  if (report.experiments.length === 0)
    process.stdout.write(
      trait
        ? `No experiment: no customer has a value for the trait ${trait}.\n`
        : 'No experiment: no Experiment Assigned event with a `group` property.\n',
    );
  for (const experiment of report.experiments) {
    process.stdout.write(`\n${experiment.experiment}\n`);
    printTable(experiment.arms, [
      ['GROUP', (arm) => arm.arm],
      ['CUSTOMERS', (arm) => arm.customers],
      ['CONVERTED', (arm) => arm.converted],
      ['RATE', (arm) => formatShare(arm.rate)],
    ]);
    const { lift } = experiment;
    if (!lift) {
      process.stdout.write(`${experiment.note}\n`);
      continue;
    }
    const points = (share: number) => `${(share * 100).toFixed(1)} points`;
    const credited = MODELS.filter((model) => experiment.modelCredit[model] !== undefined);
    process.stdout.write(
      `Lift: ${points(lift.lift)} (95 % interval ${points(lift.interval.low)} to ${points(lift.interval.high)}), ` +
        `about ${Math.round(lift.incrementalConversions.estimate)} conversions the campaign added ` +
        `(${Math.round(lift.incrementalConversions.low)} to ${Math.round(lift.incrementalConversions.high)}).\n` +
        (credited.length === 0
          ? `No model credits a campaign named ${experiment.experiment}, to compare with.\n`
          : `What the models credit to campaign ${experiment.experiment}: ` +
            `${credited
              .map((model) => `${HEADS[model].toLowerCase()} ${formatCredit(experiment.modelCredit[model]!)}`)
              .join(', ')}.\n`),
    );
  }
}

async function stages(options: AttributionOptions, command: Command): Promise<void> {
  const { workspace, json } = options;
  const { lookback, by, halfLife, markovOrder, bootstrap } = options;
  const raw = { lookback, by, halfLife, markovOrder, bootstrap, from: options.from, to: options.to };
  const query = parseOptions(StageAttributionQuerySchema, raw);
  const report = await runVerb<StageAttributionReport>(configFromCommand(command), workspace, {
    local: async (deps) =>
      createAttributionService({ ...deps, lifecycle: createLifecycleService(deps) }).stageTransitions(
        (await localWorkspace(deps, workspace)).workspaceId,
        query,
      ),
    remote: (client) =>
      client.request<StageAttributionReport>('GET', `/api/attribution/stages${toQueryString(raw)}`),
  });
  if (json) return printJson(report);
  for (const { from, to, report: step } of report.transitions) {
    process.stdout.write(`\n${from} → ${to}\n`);
    printReport(step);
  }
}

function printReport(report: AttributionReport): void {
  const computed = MODELS.filter((model) => report.models[model]);
  process.stdout.write(
    `${report.conversions.toLocaleString('en-US')} conversions (${report.conversion}), ` +
      `${report.paths.converting.toLocaleString('en-US')} converting and ` +
      `${report.paths.nonConverting.toLocaleString('en-US')} non-converting paths, ${report.lookbackDays}-day lookback; ` +
      `${Math.round(report.unattributed.conversions).toLocaleString('en-US')} had no touchpoint in the window.\n` +
      `Credit in conversions by ${report.by}; * marks a group whose rank differs by 3 or more between models.\n\n`,
  );
  type Row = AttributionReport['comparison'][number];
  const credit = (model: Model) => (row: Row) =>
    `${formatCredit(row.conversions[model] ?? 0)} (${row.ranks[model]})`;
  printTable<Row>(report.comparison, [
    [report.by.toUpperCase(), (row) => `${row.spread >= 3 ? '* ' : ''}${row.group}`],
    ...computed.map((model): Column<Row> => [HEADS[model], credit(model)]),
  ]);
  const intervals = (['markov', 'shapley'] as const).filter((model) => report.intervals[model]);
  if (intervals.length > 0) {
    process.stdout.write('\n95 % intervals (bootstrap over customers):\n');
    const range = (model: 'markov' | 'shapley') => (row: Row) => {
      const interval = report.intervals[model]![row.group];
      return interval ? `${formatCredit(interval.low)} – ${formatCredit(interval.high)}` : null;
    };
    printTable<Row>(report.comparison, [
      [report.by.toUpperCase(), (row) => row.group],
      ...intervals.map((model): Column<Row> => [HEADS[model], range(model)]),
    ]);
  }
  process.stdout.write('\nWhat each model measures:\n');
  for (const model of computed) process.stdout.write(`  ${HEADS[model]}: ${report.meanings[model]}\n`);
  for (const note of report.notes) process.stdout.write(`\nNote: ${note}\n`);
}

const formatCredit = (value: number) =>
  Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
