/**
 * `agora value fit|clv|risk|rfm|valuate|customers|customer`: the customer-value models and what they say of
 * each customer, as tables or `--json`.
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { configFromCommand } from '../../cli/cli-config.ts';
import { type Column, printJson, printTable } from '../../cli/output.ts';
import { parseOptions, toQueryString } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import type { Deps } from '../../deps.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import type { RfmReport } from './compute-rfm.ts';
import {
  ClvQuerySchema,
  type ClvReport,
  type CustomerValue,
  type CustomerValueList,
  CustomerValueListQuerySchema,
  EconomicsQuerySchema,
  type EconomicsReport,
  FitQuerySchema,
  type FitResult,
  RFM_SEGMENTS,
  RfmQuerySchema,
  RiskQuerySchema,
  type RiskReport,
  type Valuation,
  ValuationQuerySchema,
} from './value.schema.ts';
import { createValueService } from './value.service.ts';

interface FitOptions {
  workspace: string;
  calibrationEnd?: string;
  timeUnit?: string;
  holdoutEnd?: string;
  json?: boolean;
}

const service = (deps: Deps) => createValueService({ ...deps, lifecycle: createLifecycleService(deps) });

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
          service(deps).fit((await localWorkspace(deps, options.workspace)).workspaceId, query),
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
    .option('--saved-segment <slug>', 'only the members of this saved segment')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the report as JSON')
    .action(
      async (
        options: {
          workspace: string;
          months: string;
          discountRate: string;
          breakdown: string;
          savedSegment?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const raw = {
          months: options.months,
          discountRate: options.discountRate,
          breakdown: options.breakdown,
          savedSegment: options.savedSegment,
        };
        const query = parseOptions(ClvQuerySchema, raw);
        const report = await runVerb<ClvReport>(configFromCommand(command), options.workspace, {
          local: async (deps) =>
            service(deps).clv((await localWorkspace(deps, options.workspace)).workspaceId, query),
          remote: (client) => client.request<ClvReport>('GET', `/api/value/clv${toQueryString(raw)}`),
        });
        if (options.json) return printJson(report);
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
          service(deps).risk((await localWorkspace(deps, options.workspace)).workspaceId, query),
        remote: (client) => client.request<RiskReport>('GET', `/api/value/risk${toQueryString(raw)}`),
      });
      if (options.json) return printJson(report);
      const list = (title: string, part: RiskReport['atRisk']) => {
        const all = `${part.customers.toLocaleString('en-US')} in all, who spent ${Math.round(part.spent).toLocaleString('en-US')}`;
        process.stdout.write(`\n${title} (${all}):\n`);
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
          service(deps).rfm((await localWorkspace(deps, options.workspace)).workspaceId, query),
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
  value
    .command('economics')
    .description(
      'conquest or relations: what a new and a kept customer cost and brought, in all and per persona',
    )
    .option('--from <date>', 'the period’s first day (default: a year before --to, or the earliest cost)')
    .option('--to <date>', 'the day after the period (default: the end of the latest cost)')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the report as JSON')
    .action(
      async (
        options: { workspace: string; from?: string; to?: string; json?: boolean },
        command: Command,
      ) => {
        const query = parseOptions(EconomicsQuerySchema, { from: options.from, to: options.to });
        const report = await runVerb<EconomicsReport>(configFromCommand(command), options.workspace, {
          local: async (deps) =>
            service(deps).economics((await localWorkspace(deps, options.workspace)).workspaceId, query),
          remote: (client) =>
            client.request<EconomicsReport>('GET', `/api/value/economics${toQueryString(query)}`),
        });
        if (options.json) return printJson(report);
        process.stdout.write(
          `From ${day(report.from)} to ${day(report.to)}, in ${report.currency}: new customers won (conquest) against customers kept (relations).\n\n`,
        );
        const perCustomer = (value: number | null) => (value === null ? '–' : money(value));
        const ratio = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)}×`);
        printTable(report.groups, [
          ['PERSONA', (row) => row.persona],
          ['NEW', (row) => row.conquest.customers],
          ['COST EACH', (row) => perCustomer(row.conquest.costPerCustomer)],
          ['BROUGHT EACH', (row) => perCustomer(row.conquest.valuePerCustomer)],
          ['RETURN', (row) => ratio(row.conquest.returnOnCost)],
          ['KEPT', (row) => row.relations.customers],
          ['COST EACH ', (row) => perCustomer(row.relations.costPerCustomer)],
          ['BROUGHT EACH ', (row) => perCustomer(row.relations.valuePerCustomer)],
          ['RETURN ', (row) => ratio(row.relations.returnOnCost)],
          ['PAYS MORE', (row) => row.pays ?? '?'],
        ]);
        process.stdout.write('\n');
        for (const group of report.groups) process.stdout.write(`${group.statement}\n`);
        process.stdout.write('\nSpend by channel:\n');
        printTable(report.channels, [
          ['OBJECTIVE', (row) => row.objective],
          ['CHANNEL', (row) => row.channel],
          ['SPEND', (row) => money(row.spend)],
          ['CUSTOMERS', (row) => row.customers],
          ['COST EACH', (row) => perCustomer(row.costPerCustomer)],
        ]);
        for (const note of report.notes) process.stdout.write(`Note: ${note}\n`);
      },
    );
  value
    .command('valuate')
    .description(
      'value every customer now and store it: P(alive), expected purchases and order value, lifetime value, RFM',
    )
    .option('--months <n>', 'the lifetime value horizon, in months', '12')
    .option('--discount-rate <rate>', 'per month', '0.01')
    .addOption(
      new Option('--time-unit <unit>', 'unit of time for the models')
        .choices(['day', 'week'])
        .default('week'),
    )
    .addOption(new Option('--workspace <slug>', 'the workspace to value').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the valuation as JSON')
    .action(
      async (
        options: {
          workspace: string;
          months: string;
          discountRate: string;
          timeUnit: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const query = parseOptions(ValuationQuerySchema, {
          months: options.months,
          discountRate: options.discountRate,
          timeUnit: options.timeUnit,
        });
        const result = await runVerb<Valuation>(configFromCommand(command), options.workspace, {
          local: async (deps) =>
            service(deps).valuate((await localWorkspace(deps, options.workspace)).workspaceId, query),
          remote: (client) => client.request<Valuation>('POST', '/api/value/valuations', query),
        });
        if (options.json) return printJson(result);
        process.stdout.write(
          `Valued ${result.customers.toLocaleString('en-US')} customers as of ${day(result.asOf)} with model ` +
            `${result.modelId}: ${money(result.totalClv)} over the next ${result.months} months. ` +
            'Read them with `agora value customers` or `agora value customer <id>`.\n',
        );
        for (const note of result.notes) process.stdout.write(`Note: ${note}\n`);
      },
    );
  value
    .command('customers')
    .description('the stored customer values of the latest valuation, sorted')
    .addOption(
      new Option('--sort <by>', 'the highest first; recency: the latest buyers first')
        .choices(['clv', 'probabilityAlive', 'monetary', 'recency'])
        .default('clv'),
    )
    .addOption(new Option('--segment <segment>', 'only this RFM segment').choices([...RFM_SEGMENTS]))
    .option('--limit <n>', 'customers listed', '20')
    .option('--offset <n>', 'customers skipped first', '0')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print {"valuedAt", "customers", "list": [...]} as JSON')
    .action(
      async (
        options: {
          workspace: string;
          sort: string;
          segment?: string;
          limit: string;
          offset: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const raw = {
          sort: options.sort,
          segment: options.segment,
          limit: options.limit,
          offset: options.offset,
        };
        const query = parseOptions(CustomerValueListQuerySchema, raw);
        const page = await runVerb<CustomerValueList>(configFromCommand(command), options.workspace, {
          local: async (deps) =>
            service(deps).customerValues((await localWorkspace(deps, options.workspace)).workspaceId, query),
          remote: (client) =>
            client.request<CustomerValueList>('GET', `/api/value/customers${toQueryString(raw)}`),
        });
        if (options.json) return printJson(page);
        if (!page.valuedAt) {
          process.stdout.write('No customer has been valued yet: run `agora value valuate` first.\n');
          return;
        }
        process.stdout.write(
          `${page.customers.toLocaleString('en-US')} customers, valued ${new Date(page.valuedAt).toISOString().slice(0, 16).replace('T', ' ')}.\n`,
        );
        printTable(page.list, [
          ['CUSTOMER', (row) => row.customerId],
          ['VALUE AHEAD', (row) => money(row.clv)],
          ['P(ALIVE)', (row) => row.probabilityAlive.toFixed(2)],
          ['PURCHASES AHEAD', (row) => row.expectedPurchases.toFixed(1)],
          ['SPENT', (row) => money(row.rfm.monetary)],
          ['RFM', (row) => `${row.rfm.r}${row.rfm.f}${row.rfm.m} ${row.rfm.segment}`],
        ]);
      },
    );
  value
    .command('customer')
    .description('one customer’s stored value and RFM scores')
    .argument('<customerId>', 'the customer’s id (as `agora customers` shows it)')
    .addOption(new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG))
    .option('--json', 'print the value as JSON')
    .action(async (id: string, options: { workspace: string; json?: boolean }, command: Command) => {
      const { customerId } = parseOptions(CustomerIdSchema, { customerId: id });
      const found = await runVerb<CustomerValue>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          service(deps).customerValue(
            (await localWorkspace(deps, options.workspace)).workspaceId,
            customerId,
          ),
        remote: (client) => client.request<CustomerValue>('GET', `/api/value/customers/${customerId}`),
      });
      if (options.json) return printJson(found);
      const { rfm } = found;
      printTable(
        [
          [
            'value over the next months',
            `${money(found.clv)} (${found.months} months, ${(found.discountRate * 100).toFixed(1)} % a month)`,
          ],
          ['chance still a customer', found.probabilityAlive.toFixed(3)],
          ['purchases expected', found.expectedPurchases.toFixed(2)],
          ['order value expected', money(found.expectedOrderValue)],
          ['repeat purchases so far', String(found.repeatPurchases)],
          [
            'RFM',
            `R ${rfm.r}  F ${rfm.f}  M ${rfm.m}: ${rfm.segment} (last purchase ${rfm.recencyDays} days ago, ${rfm.frequency} purchase days, ${money(rfm.monetary)} spent)`,
          ],
          ['valued', `${day(found.asOf)} with model ${found.modelId}`],
        ],
        [
          [`CUSTOMER ${found.customerId}`, (row) => row[0]],
          ['', (row) => row[1]],
        ],
      );
    });
  return value;
}

const money = (value: number) => Math.round(value).toLocaleString('en-US');
const day = (date: Date | string) => new Date(date).toISOString().slice(0, 10);
const CustomerIdSchema = z.object({
  customerId: z.coerce.number().int('must be a whole number').positive('must be a customer id, 1 or more'),
});

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
