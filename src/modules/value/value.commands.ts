/** `agora value fit`: the customer-value models fitted on the orders, as a table or `--json`. */
import { Command, Option } from 'commander';
import { configFromCommand } from '../../cli/cli-config.ts';
import { type Column, printJson, printTable } from '../../cli/output.ts';
import { parseOptions, toQueryString } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import type { RfmReport } from './compute-rfm.ts';
import {
  ClvQuerySchema,
  type ClvReport,
  FitQuerySchema,
  type FitResult,
  RfmQuerySchema,
  RiskQuerySchema,
  type RiskReport,
} from './value.schema.ts';
import { createValueService } from './value.service.ts';

interface FitOptions {
  workspace: string;
  calibrationEnd?: string;
  timeUnit?: string;
  holdoutEnd?: string;
  json?: boolean;
}

export function valueCommand(): Command {
  const value = new Command('value').description('customer value: repeat buying, spend, lifetime value');
  value
    .command('fit')
    .description('fit BG/NBD (repeat buying) and Gamma-Gamma (spend) on the orders')
    .option('--calibration-end <date>', 'fit on the orders before this date (default: every order)')
    .addOption(
      new Option('--time-unit <unit>', 'unit of time for the models')
        .choices(['day', 'week'])
        .default('week'),
    )
    .option(
      '--holdout-end <date>',
      'check the fit on the orders from the calibration end to this date (default: all after it)',
    )
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print {"bgnbd": {…}, "gammaGamma": {…}, "customers", "repeatCustomers"} as JSON')
    .action(async (options: FitOptions, command: Command) => {
      const query = parseOptions(FitQuerySchema, {
        calibrationEnd: options.calibrationEnd,
        timeUnit: options.timeUnit,
        holdoutEnd: options.holdoutEnd,
      });
      const result = await runVerb<FitResult>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          createValueService({ ...deps, lifecycle: createLifecycleService(deps) }).fit(
            (await localWorkspace(deps, options.workspace)).workspaceId,
            query,
          ),
        remote: (client) =>
          client.request<FitResult>('POST', '/api/value/fit', {
            ...query,
            calibrationEnd: query.calibrationEnd?.toISOString(),
            holdoutEnd: query.holdoutEnd?.toISOString(),
          }),
      });
      if (options.json) return printJson(result);
      printFit(result);
    });
  value
    .command('clv')
    .description('customer lifetime value over a horizon: in all, by group, and the most valuable customers')
    .option('--months <n>', 'the horizon, in months', '12')
    .option('--discount-rate <rate>', 'per month', '0.01')
    .addOption(
      new Option('--breakdown <by>', 'by B2B/B2C, persona or acquisition channel')
        .choices(['none', 'segment', 'persona', 'channel'])
        .default('none'),
    )
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the report as JSON')
    .action(
      async (
        options: {
          workspace: string;
          months: string;
          discountRate: string;
          breakdown: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const raw = {
          months: options.months,
          discountRate: options.discountRate,
          breakdown: options.breakdown,
        };
        const query = parseOptions(ClvQuerySchema, raw);
        const report = await runVerb<ClvReport>(configFromCommand(command), options.workspace, {
          local: async (deps) =>
            createValueService({ ...deps, lifecycle: createLifecycleService(deps) }).clv(
              (await localWorkspace(deps, options.workspace)).workspaceId,
              query,
            ),
          remote: (client) => client.request<ClvReport>('GET', `/api/value/clv${toQueryString(raw)}`),
        });
        if (options.json) return printJson(report);
        const money = (value: number) => Math.round(value).toLocaleString('en-US');
        process.stdout.write(
          `Value of ${report.all.customers.toLocaleString('en-US')} customers over the next ${report.months} months ` +
            `(discounted ${(report.discountRate * 100).toFixed(1)} % a month): ${money(report.all.total)}, ` +
            `${money(report.all.mean)} each on average.\n`,
        );
        if (report.groups.length > 0) {
          process.stdout.write('\n');
          printTable(report.groups, [
            ['GROUP', (row) => row.key],
            ['CUSTOMERS', (row) => row.customers],
            ['VALUE', (row) => money(row.total)],
            ['MEAN', (row) => money(row.mean)],
          ]);
        }
        process.stdout.write('\nMost valuable customers ahead:\n');
        printTable(report.top, [
          ['CUSTOMER', (row) => row.customerId],
          ['VALUE', (row) => money(row.clv)],
          ['P(ALIVE)', (row) => row.probabilityAlive.toFixed(2)],
          ['REPEAT PURCHASES', (row) => row.repeatPurchases],
        ]);
        for (const note of report.notes) process.stdout.write(`Note: ${note}\n`);
      },
    );
  value
    .command('risk')
    .description('repeat customers slipping away (and why), and those gone to win back')
    .option('--limit <n>', 'customers listed in each', '20')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print both lists as JSON')
    .action(async (options: { workspace: string; limit: string; json?: boolean }, command: Command) => {
      const raw = { limit: options.limit };
      const query = parseOptions(RiskQuerySchema, raw);
      const report = await runVerb<RiskReport>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          createValueService({ ...deps, lifecycle: createLifecycleService(deps) }).risk(
            (await localWorkspace(deps, options.workspace)).workspaceId,
            query,
          ),
        remote: (client) => client.request<RiskReport>('GET', `/api/value/risk${toQueryString(raw)}`),
      });
      if (options.json) return printJson(report);
      const list = (title: string, part: RiskReport['atRisk']) => {
        process.stdout.write(`\n${title} (${part.customers.toLocaleString('en-US')} in all):\n`);
        printTable(part.list, [
          ['CUSTOMER', (row) => row.customerId],
          ['SPENT', (row) => Math.round(row.spent).toLocaleString('en-US')],
          ['PURCHASES', (row) => row.purchases],
          ['WHY', (row) => row.reasons.join('; ')],
        ]);
      };
      list('Closing the back door: repeat customers slipping away', report.atRisk);
      list('To win back: customers most likely gone', report.winBack);
    });
  value
    .command('rfm')
    .description('recency, frequency and monetary scores: customers per segment and per R × F cell')
    .option('--as-of <date>', 'score the orders before this date (default: every order)')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the segments and the grid as JSON')
    .action(async (options: { workspace: string; asOf?: string; json?: boolean }, command: Command) => {
      const query = parseOptions(RfmQuerySchema, { asOf: options.asOf });
      const report = await runVerb<RfmReport>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          createValueService({ ...deps, lifecycle: createLifecycleService(deps) }).rfm(
            (await localWorkspace(deps, options.workspace)).workspaceId,
            query,
          ),
        remote: (client) => client.request<RfmReport>('GET', `/api/value/rfm${toQueryString(query)}`),
      });
      if (options.json) return printJson(report);
      printTable(report.segments, [
        ['SEGMENT', (row) => row.segment],
        ['CUSTOMERS', (row) => row.customers],
        ['SPENT', (row) => Math.round(row.monetary).toLocaleString('en-US')],
        ['MEAN DAYS SINCE LAST', (row) => row.meanRecencyDays.toFixed(0)],
      ]);
      process.stdout.write(
        '\nCustomers by recency (rows, 5 = most recent) and frequency (columns, 5 = most often):\n',
      );
      printTable(report.grid.map((cells, index) => ({ r: index + 1, cells })).reverse(), [
        ['R', (row) => row.r],
        ...[0, 1, 2, 3, 4].map(
          (f): Column<{ r: number; cells: number[] }> => [`F${f + 1}`, (row) => row.cells[f]],
        ),
      ]);
    });
  return value;
}

function printFit(result: FitResult): void {
  const end = new Date(result.calibrationEnd).toISOString().slice(0, 10);
  process.stdout.write(
    `${result.customers.toLocaleString('en-US')} customers (${result.repeatCustomers.toLocaleString('en-US')} bought again), ` +
      `orders before ${end}, time in ${result.timeUnit}s.\n\n`,
  );
  const { bgnbd, gammaGamma } = result;
  printTable(
    [
      [
        'BG/NBD',
        `r ${fixed(bgnbd.r)}  alpha ${fixed(bgnbd.alpha)}  a ${fixed(bgnbd.a)}  b ${fixed(bgnbd.b)}`,
        bgnbd.logLikelihood,
      ],
      [
        'Gamma-Gamma',
        `p ${fixed(gammaGamma.p)}  q ${fixed(gammaGamma.q)}  v ${fixed(gammaGamma.v)}`,
        gammaGamma.logLikelihood,
      ],
    ],
    [
      ['MODEL', (row) => row[0]],
      ['PARAMETERS', (row) => row[1]],
      ['LOG-LIKELIHOOD', (row) => (row[2] as number).toFixed(2)],
    ],
  );
  if (result.spendFrequencyCorrelation !== null)
    process.stdout.write(
      `\nCorrelation of purchase count and mean spend among repeat customers: ${result.spendFrequencyCorrelation.toFixed(2)} ` +
        '(Gamma-Gamma assumes none).\n',
    );
  if (result.holdout) {
    const { holdout } = result;
    process.stdout.write(
      `\nHoldout, ${holdout.length.toFixed(1)} ${result.timeUnit}s to ${new Date(holdout.end).toISOString().slice(0, 10)}: ` +
        `${Math.round(holdout.predicted).toLocaleString('en-US')} repeat purchases predicted, ` +
        `${holdout.actual.toLocaleString('en-US')} made.\n`,
    );
    printTable(holdout.byRepeatPurchases, [
      ['REPEAT PURCHASES IN CALIBRATION', (row) => row.repeatPurchases],
      ['CUSTOMERS', (row) => row.customers],
      ['PREDICTED PER CUSTOMER', (row) => (row.predicted / row.customers).toFixed(2)],
      ['ACTUAL PER CUSTOMER', (row) => (row.actual / row.customers).toFixed(2)],
    ]);
  }
  for (const note of result.notes) process.stdout.write(`Note: ${note}\n`);
}

const fixed = (value: number) => value.toPrecision(4);
