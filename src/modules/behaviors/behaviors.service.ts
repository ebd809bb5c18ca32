/**
 * The five behaviours of customer networks: how well each is served, for each customer, group and the
 * organisation; where the offer has gaps; and which strategies of the playbook the numbers call for.
 */
import type { z } from 'zod';
import { type Clock, systemClock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { createKeptFacts, createKeptReads, readKey } from '../../platform/db/kept-reads.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { ONE_LANE, type PassLanes } from '../../platform/workers/pass-lanes.ts';
import type { LifecycleService } from '../lifecycle/index.ts';
import {
  type IndexRow,
  type IndexWindow,
  queryCustomerScores,
  queryIndex,
  queryTrend,
} from './behavior-index.query.ts';
import {
  BEHAVIORS,
  type Behavior,
  type BehaviorFigure,
  type BehaviorGroup,
  type BehaviorQuery,
  type BehaviorReport,
  type BehaviorTrend,
  type Coverage,
  type CustomerBehavior,
  type Initiative,
  InitiativeInputSchema,
  type Metric,
  type Recommendations,
  type Strategy,
  StrategyIdSchema,
  StrategyInputSchema,
} from './behaviors.schema.ts';
import { recommend } from './compute-recommendations.ts';
import { queryCoverage } from './coverage.query.ts';
import { type HeldIndex, INDEX_PASS, readHeldIndex } from './held-index.ts';
import {
  insertInitiative,
  listInitiatives,
  listStrategies,
  removeStrategy,
  saveStrategy,
} from './playbook.store.ts';

const DAY = 86_400_000;
/** Initiatives are judged on at most this many days before and since their start. */
const KPI_DAYS = 90;

/** Windows and breakdowns whose scores are held at most. */
const HELD_INDEXES = 8;
/** Small facts held: each workspace's latest event, and whether its taxonomy tags behaviours. */
const HELD_FACTS = 16;

/**
 * `keepReads`: in a server, every active customer's scores are held for the next population (held-index.ts).
 * `lanes`: where the passes over them run.
 */
export function createBehaviorService(deps: {
  db: Database;
  lifecycle: LifecycleService;
  clock?: Clock;
  keepReads?: boolean;
  lanes?: PassLanes;
}) {
  const { db, lifecycle, clock = systemClock, lanes = ONE_LANE } = deps;
  const indexes = createKeptReads<HeldIndex>(db, HELD_INDEXES, deps.keepReads ?? false);
  const fact = createKeptFacts(db, HELD_FACTS, deps.keepReads ?? false);

  /** The window ending at asOf, by default the day after the latest event. */
  async function windowOf(
    workspaceId: number,
    query: { asOf?: Date | undefined; window: number },
  ): Promise<IndexWindow> {
    if (query.asOf) return { asOf: query.asOf, windowDays: query.window };
    const [row] = await fact({ workspaceId, fact: 'latest event' }, () =>
      db.query<{ latest: Date | null }>(
        'SELECT max(occurred_at) AS latest FROM events WHERE workspace_id = $1',
        [workspaceId],
      ),
    );
    const latest = row?.latest ? new Date(row.latest) : clock.now();
    return { asOf: new Date(Math.floor(latest.getTime() / DAY) * DAY + DAY), windowDays: query.window };
  }

  /** Without behaviour tags there is nothing to score: say how to add them. */
  async function refuseUntagged(workspaceId: number): Promise<void> {
    const [tagged] = await fact({ workspaceId, fact: 'tagged' }, () =>
      db.query(
        'SELECT 1 AS tagged FROM event_taxonomy WHERE workspace_id = $1 AND behavior IS NOT NULL LIMIT 1',
        [workspaceId],
      ),
    );
    if (!tagged)
      throw new AppError(
        'INVALID_INPUT',
        'the taxonomy tags no event with a behaviour, so there is nothing to score: give events a behaviour with PUT /api/taxonomy/{eventName} (e.g. {"behavior": "engage"}) or restore the defaults with POST /api/taxonomy/reset.',
      );
  }

  async function figures(
    workspaceId: number,
    window: IndexWindow,
    query: Pick<BehaviorQuery, 'breakdown' | 'persona' | 'savedSegment'>,
  ) {
    const rows = await indexRows(workspaceId, window, query);
    return { organisation: groupFrom(rows, 'organisation', 'all'), groups: groupsFrom(rows) };
  }

  /** The index's rows: counted from every active customer's scores held where kept, else read for the query. */
  async function indexRows(
    workspaceId: number,
    window: IndexWindow,
    query: Pick<BehaviorQuery, 'breakdown' | 'persona' | 'savedSegment'>,
  ) {
    if (!indexes.keeps) return queryIndex(db, workspaceId, window, query);
    const { breakdown, persona, savedSegment } = query;
    const [held, kept] = await Promise.all([
      indexes.get(readKey({ workspaceId, ...window, breakdown }), () =>
        readHeldIndex(db, workspaceId, window, breakdown),
      ),
      lifecycle.customersKept(workspaceId, { persona, savedSegment }),
    ]);
    return lanes.run(INDEX_PASS, held, kept);
  }

  async function coverageAt(workspaceId: number, window: IndexWindow): Promise<Coverage> {
    const { names, places } = await queryCoverage(db, workspaceId, window);
    const all = places.reduce((sum, row) => sum + Number(row.events), 0);
    const mobile = (rows: typeof places) =>
      share(
        rows.filter((row) => row.device === 'mobile').reduce((sum, row) => sum + Number(row.events), 0),
        rows.reduce((sum, row) => sum + Number(row.events), 0),
      );
    return {
      asOf: window.asOf,
      windowDays: window.windowDays,
      mobileShare: mobile(places),
      behaviors: BEHAVIORS.map((behavior) => {
        const events = names
          .filter((row) => row.behavior === behavior)
          .map((row) => ({
            name: row.event_name,
            events: Number(row.events),
            customers: Number(row.customers),
          }))
          .sort((a, b) => b.events - a.events || a.name.localeCompare(b.name));
        const here = places.filter((row) => row.behavior === behavior);
        const total = here.reduce((sum, row) => sum + Number(row.events), 0);
        const devices: Record<string, number> = {};
        const channels = new Map<string, number>();
        for (const row of here) {
          devices[row.device ?? '(unknown)'] =
            (devices[row.device ?? '(unknown)'] ?? 0) + Number(row.events) / total;
          channels.set(
            row.channel ?? '(none)',
            (channels.get(row.channel ?? '(none)') ?? 0) + Number(row.events) / total,
          );
        }
        const coverage = share(events.filter((event) => event.events > 0).length, events.length);
        const missing = events.filter((event) => event.events === 0).map((event) => event.name);
        return {
          behavior,
          events,
          coverage,
          devices,
          channels: [...channels]
            .map(([channel, part]) => ({ channel, share: part }))
            .sort((a, b) => b.share - a.share)
            .slice(0, 5),
          mobileShare: mobile(here),
          finding: finding(behavior, events.length, total, missing, mobile(here), mobile(places), all),
        };
      }),
    };
  }

  /** One metric of one behaviour for the organisation over a window: what a KPI reads. */
  async function metricAt(
    workspaceId: number,
    behavior: Behavior,
    metric: Metric,
    window: IndexWindow,
  ): Promise<number> {
    if (metric === 'coverage' || metric === 'mobileShare') {
      const found = (await coverageAt(workspaceId, window)).behaviors.find(
        (entry) => entry.behavior === behavior,
      )!;
      return found[metric];
    }
    const { organisation } = await figures(workspaceId, window, { breakdown: 'segment' });
    return organisation.behaviors.find((entry) => entry.behavior === behavior)![metric];
  }

  const service = {
    async report(workspaceId: number, query: BehaviorQuery): Promise<BehaviorReport> {
      await refuseUntagged(workspaceId);
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      if (query.breakdown === 'channel') await lifecycle.ensureRefreshed(workspaceId);
      const window = await windowOf(workspaceId, query);
      const { organisation, groups } = await figures(workspaceId, window, query);
      const notes: string[] = [];
      if (organisation.activeCustomers === 0)
        notes.push(
          `No customer had a touchpoint in the ${window.windowDays} days before ${day(window.asOf)}${query.persona !== undefined || query.savedSegment ? ' among those asked for' : ''}: every score is 0.`,
        );
      return {
        asOf: window.asOf,
        windowDays: window.windowDays,
        organisation,
        breakdown: query.breakdown,
        groups,
        notes,
      };
    },

    /** The organisation's reach of each behaviour month by month over the year before asOf. */
    async trend(workspaceId: number, query: Pick<BehaviorQuery, 'asOf' | 'window'>): Promise<BehaviorTrend> {
      await refuseUntagged(workspaceId);
      const { asOf } = await windowOf(workspaceId, query);
      return { asOf, months: trendFrom(await queryTrend(db, workspaceId, asOf)) };
    },

    async customer(
      workspaceId: number,
      customerId: number,
      query: Pick<BehaviorQuery, 'asOf' | 'window'>,
    ): Promise<CustomerBehavior> {
      await refuseUntagged(workspaceId);
      const window = await windowOf(workspaceId, query);
      const rows = await queryCustomerScores(db, workspaceId, window, customerId);
      const byBehavior = new Map(rows.map((row) => [row.behavior, row]));
      return {
        customerId,
        asOf: window.asOf,
        windowDays: window.windowDays,
        scores: BEHAVIORS.map((behavior) => {
          const row = byBehavior.get(behavior);
          return {
            behavior,
            score: row ? Number(row.score) : 0,
            events: row ? Number(row.events) : 0,
            lastAt: row ? new Date(row.last_at) : null,
            kinds: row ? Number(row.kinds) : 0,
          };
        }),
      };
    },

    async coverage(workspaceId: number, query: Pick<BehaviorQuery, 'asOf' | 'window'>): Promise<Coverage> {
      await refuseUntagged(workspaceId);
      return coverageAt(workspaceId, await windowOf(workspaceId, query));
    },

    strategies(workspaceId: number): Promise<Strategy[]> {
      return listStrategies(db, workspaceId);
    },

    async saveStrategy(workspaceId: number, id: string, input: unknown): Promise<Strategy> {
      const strategyId = parseOrRefuse(StrategyIdSchema, id, 'id');
      const strategy = parseOrRefuse(StrategyInputSchema, input);
      await saveStrategy(db, workspaceId, strategyId, strategy, clock.now());
      return (await listStrategies(db, workspaceId)).find((entry) => entry.id === strategyId)!;
    },

    async removeStrategy(workspaceId: number, id: string): Promise<void> {
      await findStrategy(workspaceId, id);
      await removeStrategy(db, workspaceId, id, clock.now());
    },

    async recommendations(
      workspaceId: number,
      query: Pick<BehaviorQuery, 'asOf' | 'window'>,
    ): Promise<Recommendations> {
      await refuseUntagged(workspaceId);
      const window = await windowOf(workspaceId, query);
      const { organisation, groups } = await figures(workspaceId, window, { breakdown: 'persona' });
      const coverage = await coverageAt(workspaceId, window);
      const strategies = await listStrategies(db, workspaceId);
      const initiatives = await listInitiatives(db, workspaceId);
      return {
        asOf: window.asOf,
        ...recommend(strategies, organisation, groups, coverage, initiatives, window.asOf),
      };
    },

    async track(workspaceId: number, input: unknown): Promise<Initiative> {
      const parsed = parseOrRefuse(InitiativeInputSchema, input);
      if (parsed.endedAt && parsed.startedAt && parsed.endedAt <= parsed.startedAt)
        throw new AppError('INVALID_INPUT', 'endedAt: must come after startedAt.', {
          details: { field: 'endedAt' },
        });
      const strategy = await findStrategy(workspaceId, parsed.strategyId);
      const id = await insertInitiative(db, workspaceId, strategy, parsed, clock.now());
      return (await service.initiatives(workspaceId)).find((entry) => entry.initiativeId === id)!;
    },

    /** Every initiative, with its KPI over the same number of days before its start and since. */
    async initiatives(workspaceId: number): Promise<Initiative[]> {
      const now = (await windowOf(workspaceId, { window: KPI_DAYS })).asOf;
      const initiatives = await listInitiatives(db, workspaceId);
      return Promise.all(
        initiatives.map(async (initiative) => {
          const end = initiative.endedAt && initiative.endedAt < now ? initiative.endedAt : now;
          const days = Math.min(KPI_DAYS, Math.floor((end.getTime() - initiative.startedAt.getTime()) / DAY));
          if (days < 1) return { ...initiative, before: null, after: null, days: 0 };
          const at = (asOf: Date) =>
            metricAt(workspaceId, initiative.behavior, initiative.kpi.metric, { asOf, windowDays: days });
          const before = await at(initiative.startedAt);
          const after = await at(new Date(initiative.startedAt.getTime() + days * DAY));
          return { ...initiative, before, after, days };
        }),
      );
    },
  };

  async function findStrategy(workspaceId: number, id: string): Promise<Strategy> {
    const found = (await listStrategies(db, workspaceId)).find((entry) => entry.id === id);
    if (!found)
      throw new AppError(
        'NOT_FOUND',
        `No strategy "${id}" in the playbook: GET /api/behaviors/strategies lists them.`,
      );
    return found;
  }

  return service;
}

export type BehaviorService = ReturnType<typeof createBehaviorService>;

function groupFrom(rows: IndexRow[], dim: string, key: string): BehaviorGroup {
  const mine = rows.filter((row) => row.dim === dim && row.grp === key);
  const active = Number(mine.find((row) => row.behavior === null)?.customers ?? 0);
  const behaviors: BehaviorFigure[] = BEHAVIORS.map((behavior) => {
    const row = mine.find((entry) => entry.behavior === behavior);
    const showing = Number(row?.customers ?? 0);
    const sum = Number(row?.score_sum ?? 0);
    return { behavior, index: share(sum, active), reach: share(showing, active), depth: share(sum, showing) };
  });
  const ranked = [...behaviors].sort((a, b) => b.index - a.index);
  return {
    key,
    activeCustomers: active,
    behaviors,
    strongest: active > 0 && ranked[0]!.index > 0 ? ranked[0]!.behavior : null,
    weakest: active > 0 ? ranked.at(-1)!.behavior : null,
  };
}

function groupsFrom(rows: IndexRow[]): BehaviorGroup[] {
  const keys = [...new Set(rows.filter((row) => row.dim === 'group').map((row) => row.grp))].sort();
  return keys
    .map((key) => groupFrom(rows, 'group', key))
    .sort((a, b) => b.activeCustomers - a.activeCustomers);
}

function trendFrom(
  rows: Array<{ month: Date; behavior: Behavior | null; customers: number }>,
): BehaviorTrend['months'] {
  const months = new Map<string, { active: number; reach: Record<string, number> }>();
  const keyOf = (month: Date) => new Date(month).toISOString().slice(0, 7);
  for (const row of rows.filter((entry) => entry.behavior === null))
    months.set(keyOf(row.month), { active: Number(row.customers), reach: {} });
  for (const row of rows.filter((entry) => entry.behavior !== null)) {
    const month = months.get(keyOf(row.month))!;
    month.reach[row.behavior!] = share(Number(row.customers), month.active);
  }
  return [...months]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, { active, reach }]) => ({
      month,
      activeCustomers: active,
      reach: Object.fromEntries(BEHAVIORS.map((behavior) => [behavior, reach[behavior] ?? 0])),
    }));
}

/** A part of a whole, 0 when the whole is empty: scores are never NaN. */
const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
const percent = (value: number) => `${Math.round(value * 100)} %`;
const day = (date: Date) => date.toISOString().slice(0, 10);

function finding(
  behavior: Behavior,
  names: number,
  events: number,
  missing: string[],
  mobile: number,
  mobileOverall: number,
  touchpoints: number,
): string {
  if (names === 0)
    return `The taxonomy tags no event as ${behavior}: nothing lets customers ${behavior} that Agora can see.`;
  if (events === 0)
    return `No ${behavior} touchpoint happened: nothing lets customers ${behavior} (or it is not tracked).`;
  const parts = [`${percent(events / Math.max(touchpoints, 1))} of all touchpoints`];
  if (missing.length > 0) parts.push(`never seen: ${missing.join(', ')}`);
  parts.push(
    `${percent(mobile)} on mobile phones${mobile + 0.1 < mobileOverall ? `, less than the ${percent(mobileOverall)} of all touchpoints: not mobile-first` : ''}`,
  );
  return `${behavior[0]!.toUpperCase()}${behavior.slice(1)}: ${parts.join('; ')}.`;
}

/** The CLI and the API both come here with what a user typed: the first fault, at its field, is a 400. */
function parseOrRefuse<T>(schema: z.ZodType<T>, value: unknown, field?: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const path = [field, ...issue!.path.map(String)].filter(Boolean).join('.');
  throw new AppError('INVALID_INPUT', `${path || 'body'}: ${issue!.message}`, { details: { field: path } });
}
