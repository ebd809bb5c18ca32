/** Customer value: the BG/NBD and Gamma-Gamma models fitted on a workspace's orders. */

import { type Clock, systemClock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { createKeptReads, inWholeDays, readKey } from '../../platform/db/kept-reads.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { ONE_LANE, type PassLanes } from '../../platform/workers/pass-lanes.ts';
import type { LifecycleService } from '../lifecycle/index.ts';
import { type BgNbdParams, conditionalExpectedPurchases, fitBgNbd, probabilityAlive } from './bgnbd.model.ts';
import { computeClvBins, queryClvDistribution } from './clv-distribution.query.ts';
import { expectedOrderValue, lifetimeValues, MONTH_DAYS, populationMeanValue } from './compute-clv.ts';
import { computeEconomics, type Spend } from './compute-economics.ts';
import { computeRfm, type RfmReport, rfmSegment } from './compute-rfm.ts';
import { assessRisk, type RiskEntry } from './compute-risk.ts';
import { trackCumulative } from './compute-tracking.ts';
import { listCustomerValues, readCustomerValue, replaceCustomerValues } from './customer-values.store.ts';
import { queryCostSpan, queryCosts, queryPeriodBuyers, queryReached } from './economics.query.ts';
import { fitGammaGamma } from './gamma-gamma.model.ts';
import { ECONOMICS_PASS, type HeldEconomics, readHeldEconomics } from './held-economics.ts';
import {
  type CustomerSummary,
  queryOrderSpan,
  queryPurchaseSummary,
  queryRecentTouches,
  queryWeeklyPurchases,
} from './purchase-summary.query.ts';
import { queryRfm } from './rfm.query.ts';
import type {
  ClvDistribution,
  ClvDistributionQuery,
  ClvQuery,
  ClvReport,
  CustomerValue,
  CustomerValueList,
  CustomerValueListQuery,
  EconomicsQuery,
  EconomicsReport,
  FitQuery,
  FitResult,
  RfmQuery,
  RiskQuery,
  RiskReport,
  StoredModel,
  Valuation,
  ValuationQuery,
} from './value.schema.ts';
import { ValuationQuerySchema } from './value.schema.ts';
import { listFits, storeFit } from './value-models.store.ts';

/** Fewer customers than this, or repeat customers for the spend model, tell too little to fit. */
const MIN_CUSTOMERS = 30;
const MIN_REPEAT_CUSTOMERS = 10;
const DAY = 86_400_000;

/** Workspaces whose orders and retention touchpoints are held for conquest or relations (held-economics.ts). */
const HELD_ECONOMICS = 4;

/**
 * `keepReads`: in a server, all time's orders are held for the next period of conquest or relations.
 * `lanes`: where the passes over them run.
 */
export function createValueService(deps: {
  db: Database;
  lifecycle: LifecycleService;
  clock?: Clock;
  keepReads?: boolean;
  lanes?: PassLanes;
}) {
  const { db, lifecycle, clock = systemClock, lanes = ONE_LANE } = deps;
  /** customer id → its group: B2B or B2C, its persona's name, or the channel of its first touchpoint. */
  async function groupsOf(
    workspaceId: number,
    breakdown: ClvQuery['breakdown'],
  ): Promise<(id: number) => string> {
    if (breakdown === 'none') return () => 'all';
    if (breakdown === 'persona') {
      const assigned = await db.query<{ customer_id: number; name: string }>(
        `SELECT a.customer_id, p.name FROM persona_assignments a
         JOIN personas p ON p.workspace_id = a.workspace_id AND p.persona_id = a.persona_id
         WHERE a.workspace_id = $1`,
        [workspaceId],
      );
      const persona = new Map(assigned.map((row) => [row.customer_id, row.name]));
      return (id) => persona.get(id) ?? 'no persona';
    }
    if (breakdown === 'segment') {
      const members = await db.query<{ customer_id: number }>(
        'SELECT DISTINCT customer_id FROM account_memberships WHERE workspace_id = $1',
        [workspaceId],
      );
      const b2b = new Set(members.map((row) => row.customer_id));
      return (id) => (b2b.has(id) ? 'b2b' : 'b2c');
    }
    await lifecycle.ensureRefreshed(workspaceId);
    const firsts = await db.query<{ customer_id: number; first_channel: string | null }>(
      'SELECT customer_id, first_channel FROM customer_lifecycle WHERE workspace_id = $1',
      [workspaceId],
    );
    const channel = new Map(firsts.map((row) => [row.customer_id, row.first_channel ?? '(none)']));
    return (id) => channel.get(id) ?? '(none)';
  }

  /** The span of the workspace's completed orders, its first day and the day after its last; none: a 400. */
  async function orderDays(workspaceId: number) {
    const span = await queryOrderSpan(db, workspaceId);
    if (!span.first || !span.last)
      throw invalid(
        'no completed order in this workspace: import orders or send Order Completed events first.',
      );
    return {
      first: span.first,
      firstDay: startOfDay(span.first),
      dayAfterLast: new Date(startOfDay(span.last).getTime() + DAY),
      fingerprint: span.fingerprint,
    };
  }

  /**
   * The last fit on every order, per workspace and time unit, used again while the orders are the same: a
   * fit takes seconds on a large world, and the console asks for risk and lifetime value together.
   */
  const fits = new Map<string, { orders: string; fitted: ReturnType<typeof fitAfresh> }>();

  /** The models fitted on every order, for valuing customers now (lifetime value, risk). */
  async function fitOnEveryOrder(workspaceId: number, timeUnit: FitQuery['timeUnit']) {
    const { dayAfterLast, fingerprint } = await orderDays(workspaceId);
    const key = `${workspaceId} ${timeUnit}`;
    const known = fits.get(key);
    if (known?.orders === fingerprint) return known.fitted;
    const fitted = fitAfresh(workspaceId, timeUnit, dayAfterLast);
    fits.set(key, { orders: fingerprint, fitted });
    // A fit that failed (too few orders) is tried again next time, unless a newer one has taken its place.
    fitted.catch(() => {
      if (fits.get(key)?.fitted === fitted) fits.delete(key);
    });
    return fitted;
  }

  async function fitAfresh(workspaceId: number, timeUnit: FitQuery['timeUnit'], asOf: Date) {
    const unitDays = unitDaysOf(timeUnit);
    const rows = await queryPurchaseSummary(db, workspaceId, { calibrationEnd: asOf, unitDays });
    return { asOf, unitDays, rows, fit: fitSummaries(rows, asOf, timeUnit) };
  }

  /**
   * Valuations of every buyer by fit and horizon: while the orders are the same, a segment's lifetime value
   * (the console's segment filter) filters the values the report of everyone computed.
   */
  const HORIZONS_KEPT = 4;
  const valuations = new WeakMap<object, Map<string, ReturnType<typeof valueAfresh>>>();

  /** The models fitted on every order, and each buyer's lifetime value over the horizon asked for. */
  async function valueEveryCustomer(workspaceId: number, query: ValuationQuery) {
    const fitted = await fitOnEveryOrder(workspaceId, query.timeUnit);
    const byHorizon = valuations.get(fitted) ?? new Map<string, ReturnType<typeof valueAfresh>>();
    valuations.set(fitted, byHorizon);
    const key = `${query.months} ${query.discountRate}`;
    const known = byHorizon.get(key);
    if (known) return known;
    const valued = valueAfresh(fitted, query);
    byHorizon.set(key, valued);
    if (byHorizon.size > HORIZONS_KEPT) byHorizon.delete(byHorizon.keys().next().value!);
    return valued;
  }

  function valueAfresh(fitted: Awaited<ReturnType<typeof fitAfresh>>, query: ValuationQuery) {
    const { asOf, unitDays, rows, fit } = fitted;
    const notes = [...fit.notes];
    let gammaGamma = fit.gammaGamma;
    if (!(populationMeanValue(gammaGamma) > 0)) {
      // q ≤ 1: the population's mean spend is unbounded; one-time buyers take the repeat customers' mean.
      notes.push(
        'One-time buyers are valued at the repeat customers’ mean purchase (the spend model’s q ≤ 1).',
      );
      gammaGamma = { ...gammaGamma, q: 1 + (gammaGamma.p * gammaGamma.v) / meanRepeatValue(rows) };
    }
    const options = { months: query.months, discountRate: query.discountRate, unitDays };
    const values = lifetimeValues(fit.bgnbd, gammaGamma, rows, options);
    return { asOf, unitDays, rows, fit, gammaGamma, notes, values };
  }

  const economicsHeld = createKeptReads<HeldEconomics>(db, HELD_ECONOMICS, deps.keepReads ?? false);

  /** Conquest or relations in the period: from all time held where kept, on either lane; else read for it. */
  async function periodEconomics(workspaceId: number, from: Date, to: Date, spend: Spend) {
    if (economicsHeld.keeps && inWholeDays({ from, to })) {
      const held = await economicsHeld.get(readKey({ workspaceId }), () =>
        readHeldEconomics(db, workspaceId),
      );
      return lanes.run(ECONOMICS_PASS, held, from, to, spend);
    }
    const buyers = await queryPeriodBuyers(db, workspaceId, from, to);
    const channels = [...spend.retention.keys()];
    return computeEconomics(buyers, await queryReached(db, workspaceId, from, to, channels, buyers), spend);
  }

  /** A reference date must come after the first order. */
  const refuseBeforeFirst = (name: string, date: Date, first: Date) => {
    if (date <= first)
      throw invalid(
        `${name} ${day(date)} is not after the first order (${day(first)}); choose a later date.`,
      );
  };

  /** One valuation at a time per workspace: two would replace each other's values mid-way. */
  const valuing = new Map<number, Promise<string | null>>();
  /**
   * Values the customers with the default horizon when no valuation is stored yet; the reason when they
   * cannot be (too few orders to fit, say), null when a valuation is there.
   */
  function ensureValued(workspaceId: number): Promise<string | null> {
    const running = valuing.get(workspaceId);
    if (running) return running;
    const work = (async () => {
      if (await service.valuedAt(workspaceId)) return null;
      try {
        await service.valuate(workspaceId, ValuationQuerySchema.parse({}));
        return null;
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'INVALID_INPUT')) throw error;
        return error.message;
      }
    })();
    valuing.set(workspaceId, work);
    return work.finally(() => valuing.delete(workspaceId));
  }

  const service = {
    async fit(workspaceId: number, query: FitQuery): Promise<FitResult> {
      const { first, firstDay, dayAfterLast } = await orderDays(workspaceId);
      // By default, every order: the period ends the day after the last.
      const calibrationEnd = query.calibrationEnd ?? dayAfterLast;
      refuseBeforeFirst('calibrationEnd', calibrationEnd, first);
      const unitDays = unitDaysOf(query.timeUnit);
      // Orders after the calibration end check the fit: by default up to the day after the last.
      const holdoutEnd = query.holdoutEnd ?? (dayAfterLast > calibrationEnd ? dayAfterLast : undefined);
      if (holdoutEnd && holdoutEnd <= calibrationEnd)
        throw invalid(`holdoutEnd ${day(holdoutEnd)} must come after calibrationEnd ${day(calibrationEnd)}.`);
      const rows = await queryPurchaseSummary(db, workspaceId, { calibrationEnd, unitDays, holdoutEnd });
      const result = fitSummaries(rows, calibrationEnd, query.timeUnit);
      const until = holdoutEnd ?? calibrationEnd;
      const weekly = await queryWeeklyPurchases(db, workspaceId, firstDay, calibrationEnd, until);
      const weeks = Math.ceil((until.getTime() - firstDay.getTime()) / DAY / 7);
      result.tracking = trackCumulative(result.bgnbd, weekly.firsts, weekly.repeats, weeks, unitDays);
      Object.assign(result, await storeFit(db, workspaceId, result, clock.now()));
      if (holdoutEnd) {
        const length = (holdoutEnd.getTime() - calibrationEnd.getTime()) / DAY / unitDays;
        result.holdout = { end: holdoutEnd, ...checkHoldout(result.bgnbd, rows, length) };
      }
      return result;
    },

    /** Each customer's value over the horizon, in all, by group, and the most valuable. */
    async clv(workspaceId: number, query: ClvQuery): Promise<ClvReport> {
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      const valued = await valueEveryCustomer(workspaceId, query);
      const { asOf, fit, notes } = valued;
      // The models are fitted on every customer; a saved segment's report values its members.
      const { savedSegment } = query;
      const members = savedSegment ? await lifecycle.customersKept(workspaceId, { savedSegment }) : null;
      const groupOf = await groupsOf(workspaceId, query.breakdown);
      const groups = new Map<string, { customers: number; total: number }>();
      const all = { customers: 0, total: 0 };
      const top: number[] = [];
      valued.rows.forEach((row, i) => {
        if (members && !members.has(Number(row.customer_id))) return;
        const value = valued.values[i]!;
        all.customers += 1;
        all.total += value;
        if (query.breakdown !== 'none') {
          const key = groupOf(row.customer_id);
          const group = groups.get(key) ?? { customers: 0, total: 0 };
          group.customers += 1;
          group.total += value;
          groups.set(key, group);
        }
        keepLargest(top, i, valued.values, TOP);
      });
      const figures = ({ customers, total }: { customers: number; total: number }) => ({
        customers,
        total,
        mean: customers ? total / customers : 0,
      });
      return {
        asOf,
        months: query.months,
        discountRate: query.discountRate,
        all: figures(all),
        groups: [...groups]
          .map(([key, group]) => ({ key, ...figures(group) }))
          .sort((a, b) => b.total - a.total),
        top: top.map((i) => {
          const { customer_id, x, tx, T } = valued.rows[i]!;
          const probability = probabilityAlive(fit.bgnbd, x, tx, T);
          return {
            customerId: customer_id,
            clv: valued.values[i]!,
            probabilityAlive: probability,
            repeatPurchases: x,
          };
        }),
        notes,
      };
    },

    /**
     * Values every buyer and stores it (customer_values), with the fit it came from (a new model version):
     * what the per-customer reads, segment rules and the console show until the next valuation.
     */
    async valuate(workspaceId: number, query: ValuationQuery): Promise<Valuation> {
      const { asOf, unitDays, rows, fit, gammaGamma, notes, values } = await valueEveryCustomer(
        workspaceId,
        query,
      );
      const valuedAt = clock.now();
      const { modelId } = await storeFit(db, workspaceId, fit, valuedAt);
      const rfm = new Map(
        (await queryRfm(db, workspaceId, asOf)).map((row) => [Number(row.customer_id), row]),
      );
      const horizon = (query.months * MONTH_DAYS) / unitDays;
      const customers = rows.flatMap((row, i): CustomerValue[] => {
        const scores = rfm.get(Number(row.customer_id));
        if (!scores) return [];
        return [
          {
            customerId: Number(row.customer_id),
            modelId,
            valuedAt,
            asOf,
            months: query.months,
            discountRate: query.discountRate,
            repeatPurchases: row.x,
            probabilityAlive: probabilityAlive(fit.bgnbd, row.x, row.tx, row.T),
            expectedPurchases: conditionalExpectedPurchases(fit.bgnbd, horizon, row.x, row.tx, row.T),
            expectedOrderValue: expectedOrderValue(gammaGamma, row),
            clv: values[i]!,
            rfm: {
              recencyDays: Number(scores.recency_days),
              frequency: Number(scores.frequency),
              monetary: Number(scores.monetary),
              r: scores.r,
              f: scores.f,
              m: scores.m,
              segment: rfmSegment(scores.r, scores.f),
            },
          },
        ];
      });
      await replaceCustomerValues(db, workspaceId, customers);
      return {
        modelId,
        valuedAt,
        asOf,
        months: query.months,
        discountRate: query.discountRate,
        customers: customers.length,
        totalClv: values.reduce((a, b) => a + b, 0),
        notes,
      };
    },

    /**
     * Conquest or relations: what a won and a kept customer cost and brought in the period, in all and per
     * persona. Values customers first when no valuation exists yet.
     */
    async economics(workspaceId: number, query: EconomicsQuery): Promise<EconomicsReport> {
      const span = await queryCostSpan(db, workspaceId);
      if (!span.first || !span.last)
        throw invalid(
          'no marketing costs in this workspace: import them with `agora import costs FILE` (columns objective, channel, campaign, from, to, amount, currency).',
        );
      // By default the last year the costs cover: customers kept in it had bought before it.
      const to = query.to ?? span.last;
      const from = query.from ?? new Date(Math.max(span.first.getTime(), to.getTime() - 365 * DAY));
      if (to <= from) throw invalid(`to ${day(to)} must come after from ${day(from)}.`);
      const costs = await queryCosts(db, workspaceId, from, to);
      const currencies = [...new Set(costs.map((cost) => cost.currency))].sort();
      if (currencies.length > 1)
        throw invalid(
          `the costs of the period are in ${currencies.join(' and ')}: Agora does not convert currencies; import them in one.`,
        );
      const notes: string[] = [];
      const unvalued = await ensureValued(workspaceId);
      if (unvalued)
        notes.push(`Customers could not be valued (${unvalued}): values count the period's spend only.`);
      await lifecycle.ensureRefreshed(workspaceId);
      const spend: Spend = { acquisition: new Map(), retention: new Map() };
      for (const cost of costs) {
        const start = Math.max(new Date(cost.period_start).getTime(), from.getTime());
        const end = Math.min(new Date(cost.period_end).getTime(), to.getTime());
        const length = new Date(cost.period_end).getTime() - new Date(cost.period_start).getTime();
        const share = (Number(cost.amount) * (end - start)) / length;
        spend[cost.objective].set(cost.channel, (spend[cost.objective].get(cost.channel) ?? 0) + share);
      }
      const report = await periodEconomics(workspaceId, from, to, spend);
      for (const channel of report.channels)
        if (channel.customers === 0)
          notes.push(
            `${money(channel.spend)} of ${channel.objective} spend on ${channel.channel} reached no ${channel.objective === 'acquisition' ? 'new' : 'kept'} customer: it is spread over all of them.`,
          );
      return { from, to, currency: currencies[0] ?? 'USD', ...report, notes };
    },

    /**
     * How the stored lifetime values spread, customers and value per bin (clv-distribution.query.ts says
     * why the bins step 1-2-5); a saved segment's members only when asked. Values customers first when no
     * valuation exists yet.
     */
    async distribution(workspaceId: number, query: ClvDistributionQuery): Promise<ClvDistribution> {
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      const unvalued = await ensureValued(workspaceId);
      const [stored] = await db.query<{ valued_at: Date | null; as_of: Date | null; months: number | null }>(
        `SELECT max(valued_at) AS valued_at, max(as_of) AS as_of, max(months) AS months
         FROM customer_values WHERE workspace_id = $1`,
        [workspaceId],
      );
      const bins = computeClvBins(await queryClvDistribution(db, workspaceId, query.savedSegment));
      return {
        valuedAt: stored?.valued_at ? new Date(stored.valued_at) : null,
        asOf: stored?.as_of ? new Date(stored.as_of) : null,
        months: stored?.months == null ? null : Number(stored.months),
        customers: bins.reduce((sum, bin) => sum + bin.customers, 0),
        total: bins.reduce((sum, bin) => sum + bin.value, 0),
        bins,
        notes: unvalued ? [`Customers could not be valued: ${unvalued}`] : [],
      };
    },

    /** When the workspace's customers were last valued; null if never. */
    async valuedAt(workspaceId: number): Promise<Date | null> {
      const [row] = await db.query<{ valued_at: Date | null }>(
        'SELECT max(valued_at) AS valued_at FROM customer_values WHERE workspace_id = $1',
        [workspaceId],
      );
      return row?.valued_at ? new Date(row.valued_at) : null;
    },

    /** One customer's stored value; a 404 that says how to get one when there is none. */
    async customerValue(workspaceId: number, customerId: number): Promise<CustomerValue> {
      const value = await readCustomerValue(db, workspaceId, customerId);
      if (value) return value;
      const [valued] = await db.query(
        'SELECT 1 AS valued FROM customer_values WHERE workspace_id = $1 LIMIT 1',
        [workspaceId],
      );
      throw new AppError(
        'NOT_FOUND',
        valued
          ? `customer ${customerId} has no value: only customers with a completed order are valued (the latest valuation saw none of theirs; run \`agora value valuate\` or POST /api/value/valuations after new orders).`
          : 'no customer has been valued yet in this workspace: run `agora value valuate` or POST /api/value/valuations first.',
      );
    },

    /** A page of the stored values, sorted as asked. */
    customerValues(workspaceId: number, query: CustomerValueListQuery): Promise<CustomerValueList> {
      return listCustomerValues(db, workspaceId, query);
    },

    /** Every stored fit, the latest first. */
    models(workspaceId: number): Promise<StoredModel[]> {
      return listFits(db, workspaceId);
    },

    /** The back door (repeat customers slipping away, and why) and the win-back list (those gone). */
    async risk(workspaceId: number, query: RiskQuery): Promise<RiskReport> {
      const { asOf, unitDays, rows, fit } = await fitOnEveryOrder(workspaceId, query.timeUnit);
      const touches = await queryRecentTouches(db, workspaceId, asOf);
      const { atRisk, winBack } = assessRisk(fit.bgnbd, rows, touches, unitDays);
      return {
        asOf,
        atRisk: riskList(atRisk, query.limit),
        winBack: riskList(winBack, query.limit),
      };
    },

    /** Recency, frequency and monetary scores, the customers in each R × F cell and in each named segment. */
    async rfm(workspaceId: number, query: RfmQuery): Promise<RfmReport> {
      const { first, dayAfterLast } = await orderDays(workspaceId);
      const asOf = query.asOf ?? dayAfterLast;
      refuseBeforeFirst('asOf', asOf, first);
      return computeRfm(asOf, await queryRfm(db, workspaceId, asOf));
    },
  };
  return service;
}

export type ValueService = ReturnType<typeof createValueService>;

const money = (value: number) => Math.round(value).toLocaleString('en-US');

/** The most valuable customers listed. */
const TOP = 20;

/**
 * Adds index `i` to `top`, the indexes of the `most` largest `values` so far, largest first and, among equal
 * values, in the order offered: a sort of every value kept, without sorting half a million of them.
 */
function keepLargest(top: number[], i: number, values: ArrayLike<number>, most: number): void {
  const value = values[i]!;
  if (top.length === most && value <= values[top[most - 1]!]!) return;
  let at = top.length;
  while (at > 0 && values[top[at - 1]!]! < value) at--;
  top.splice(at, 0, i);
  if (top.length > most) top.pop();
}

function meanRepeatValue(rows: CustomerSummary[]): number {
  const values = rows.flatMap((row) =>
    row.repeat_value !== null && row.repeat_value > 0 ? [row.repeat_value] : [],
  );
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function fitSummaries(
  rows: CustomerSummary[],
  calibrationEnd: Date,
  timeUnit: FitQuery['timeUnit'],
): FitResult {
  const notes: string[] = [];
  if (rows.length < MIN_CUSTOMERS)
    throw invalid(
      `${rows.length} customers bought before ${day(calibrationEnd)}: at least ${MIN_CUSTOMERS} are needed to fit; choose a later calibrationEnd or load more orders.`,
    );
  const data = {
    x: Float64Array.from(rows, (row) => row.x),
    tx: Float64Array.from(rows, (row) => row.tx),
    T: Float64Array.from(rows, (row) => row.T),
    count: new Float64Array(rows.length).fill(1),
  };
  if (data.x.every((x) => x === 0))
    throw invalid(
      'no customer bought again before the calibration end: the repeat-buying model has nothing to fit.',
    );
  const bgnbd = fitBgNbd(data);
  const repeat = rows.filter((row) => row.x > 0 && row.repeat_value !== null && row.non_positive === 0);
  const leftOut = rows.filter((row) => row.non_positive > 0).length;
  if (leftOut > 0)
    notes.push(
      `${leftOut} customers with a repeat purchase worth zero or less are left out of the spend model (Gamma-Gamma needs positive values).`,
    );
  if (repeat.length < MIN_REPEAT_CUSTOMERS)
    throw invalid(
      `${repeat.length} customers bought again with positive values: at least ${MIN_REPEAT_CUSTOMERS} are needed to fit the spend model.`,
    );
  const spend = {
    x: Float64Array.from(repeat, (row) => row.x),
    meanValue: Float64Array.from(repeat, (row) => row.repeat_value!),
  };
  if (spend.meanValue.every((m) => m === spend.meanValue[0]))
    throw invalid(
      'every repeat customer spent the same mean value: the spend model cannot tell anything from it.',
    );
  const gammaGamma = fitGammaGamma(spend);
  return {
    calibrationEnd,
    timeUnit,
    customers: rows.length,
    repeatCustomers: repeat.length,
    bgnbd: { ...bgnbd.params, logLikelihood: bgnbd.logLikelihood },
    gammaGamma: { ...gammaGamma.params, logLikelihood: gammaGamma.logLikelihood },
    spendFrequencyCorrelation: correlation(spend.x, spend.meanValue),
    holdout: null,
    tracking: [],
    // A fit not stored (CLV and risk fit afresh) has no version.
    modelId: 0,
    fittedAt: calibrationEnd,
    notes,
  };
}

/** Repeat purchases in calibration that get a row of their own; more are pooled as "7+". */
const POOLED_FROM = 7;

/** Predicted against actual purchases in the holdout period, in all and by calibration repeat purchases. */
function checkHoldout(params: BgNbdParams, rows: CustomerSummary[], length: number) {
  const groups = Array.from({ length: POOLED_FROM + 1 }, (_, x) => ({
    repeatPurchases: x < POOLED_FROM ? String(x) : `${POOLED_FROM}+`,
    customers: 0,
    predicted: 0,
    actual: 0,
  }));
  for (const row of rows) {
    const group = groups[Math.min(row.x, POOLED_FROM)]!;
    group.customers += 1;
    group.predicted += conditionalExpectedPurchases(params, length, row.x, row.tx, row.T);
    group.actual += row.holdout;
  }
  return {
    length,
    predicted: groups.reduce((sum, group) => sum + group.predicted, 0),
    actual: groups.reduce((sum, group) => sum + group.actual, 0),
    byRepeatPurchases: groups.filter((group) => group.customers > 0),
  };
}

function correlation(xs: Float64Array, ys: Float64Array): number | null {
  const n = xs.length;
  const mean = (values: Float64Array) => values.reduce((a, b) => a + b, 0) / n;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** The first `limit` entries of a risk list, with the count and spend of all of it. */
function riskList(entries: RiskEntry[], limit: number) {
  const spent = entries.reduce((sum, entry) => sum + entry.spent, 0);
  return { customers: entries.length, spent, list: entries.slice(0, limit) };
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const startOfDay = (date: Date) => new Date(Math.floor(date.getTime() / DAY) * DAY);
const unitDaysOf = (timeUnit: FitQuery['timeUnit']) => (timeUnit === 'week' ? 7 : 1);
const invalid = (message: string) => new AppError('INVALID_INPUT', message);
