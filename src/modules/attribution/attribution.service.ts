/**
 * Touchpoint attribution: every model over the same paths, side by side, each with what it measures
 * (docs/models/attribution.md).
 */
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { ONE_LANE, type PassLanes } from '../../platform/workers/pass-lanes.ts';
import { refuseUnknownEvents } from '../funnels/index.ts';
import type { LifecycleService } from '../lifecycle/index.ts';
import {
  type AttributionQuery,
  AttributionQuerySchema,
  type AttributionReport,
  EXPOSED_ARMS,
  type ExperimentQuery,
  type ExperimentReport,
  HOLDOUT_ARMS,
  MODELS,
  type StageAttributionQuery,
  type StageAttributionReport,
} from './attribution.schema.ts';
import { LIFECYCLE_STEPS, type PathCounts, queryResamples } from './attribution-paths.query.ts';
import { bootstrapIntervals, COMPARE_PASS, compareModels } from './compute-comparison.ts';
import { computeLift } from './compute-lift.ts';
import { createPathCounts } from './day-counts.ts';
import { type ArmRow, queryExperimentArms } from './experiment-lift.query.ts';

/**
 * `keepReads`: in a server, counts by day are kept for the next date range (day-counts.ts). `lanes`: where
 * the lifecycle steps' models are compared.
 */
export function createAttributionService(deps: {
  db: Database;
  lifecycle: LifecycleService;
  keepReads?: boolean;
  lanes?: PassLanes;
}) {
  const { db, lifecycle, lanes = ONE_LANE } = deps;
  const pathCounts = createPathCounts(db, deps.keepReads ?? false);
  async function compare(workspaceId: number, query: AttributionQuery): Promise<AttributionReport> {
    await refuseUnknownInput(db, workspaceId, query);
    // Stage conversions and the W-shaped milestone read the lifecycle.
    await lifecycle.ensureRefreshed(workspaceId);
    return compareChecked(workspaceId, query);
  }
  /** The comparison once the query has been checked and the lifecycle is up to date. */
  async function compareChecked(workspaceId: number, query: AttributionQuery): Promise<AttributionReport> {
    const counts = (await pathCounts(workspaceId, query)).get(0)!;
    const report = compareModels(query, counts.heuristics, counts.transitions, counts.sets);
    if (query.bootstrap > 0 && report.models.markov)
      withIntervals(report, query, (await queryResamples(db, workspaceId, query)).get(0)!);
    return report;
  }
  return {
    compare,

    /**
     * The models over each step of the lifecycle: which touchpoints move customers on, stage by stage. Each
     * step's conversion is the first entry into its next stage; the steps' paths are read in one query.
     */
    async stageTransitions(
      workspaceId: number,
      query: StageAttributionQuery,
    ): Promise<StageAttributionReport> {
      // Each step's own conversion is what its report says; the paths of all of them are read at once.
      const stepQuery = (to: string) => ({
        ...query,
        conversion: `stage:${to}`,
        occurrence: 'first' as const,
      });
      const anyStep = stepQuery(LIFECYCLE_STEPS[0]!.to);
      await refuseUnknownInput(db, workspaceId, anyStep);
      await lifecycle.ensureRefreshed(workspaceId);
      const counts = await pathCounts(workspaceId, anyStep, true);
      const resamples =
        query.bootstrap > 0 ? await queryResamples(db, workspaceId, anyStep, true) : undefined;
      // The steps' models compared at once: the lanes share them.
      const transitions = await Promise.all(
        LIFECYCLE_STEPS.map(async ({ step, from, to }) => {
          const { heuristics, transitions, sets } = counts.get(step)!;
          const report = await lanes.run(COMPARE_PASS, stepQuery(to), heuristics, transitions, sets);
          if (resamples && report.models.markov) withIntervals(report, stepQuery(to), resamples.get(step)!);
          return { from, to, report };
        }),
      );
      return { by: query.by, transitions };
    },

    /** Each randomised experiment's lift, beside what the models credit to the campaign of its name. */
    async experiments(workspaceId: number, query: ExperimentQuery): Promise<ExperimentReport> {
      if (!query.conversion.startsWith('stage:'))
        await refuseUnknownEvents(db, workspaceId, [{ name: query.conversion, field: 'conversion' }]);
      if (query.trait) await refuseUnknownTrait(db, workspaceId, query.trait);
      await lifecycle.ensureRefreshed(workspaceId);
      const arms = await queryExperimentArms(db, workspaceId, query);
      const byCampaign =
        arms.length === 0
          ? null
          : await compare(
              workspaceId,
              AttributionQuerySchema.parse({
                conversion: query.conversion,
                occurrence: query.occurrence,
                lookback: `${query.window}s`,
                by: 'campaign',
              }),
            );
      const names = [...new Set(arms.map((row) => row.experiment))];
      return {
        conversion: query.conversion,
        windowDays: query.window / 86_400,
        experiments: names.map((name) =>
          experimentResult(
            name,
            arms.filter((row) => row.experiment === name),
            byCampaign,
            query.trait ? `as values of the trait \`${query.trait}\`` : 'in the `group` property',
          ),
        ),
      };
    },
  };
}

function experimentResult(
  experiment: string,
  rows: ArmRow[],
  byCampaign: AttributionReport | null,
  /** Where the arms' names come from, for the note when one is missing. */
  armSource: string,
): ExperimentReport['experiments'][number] {
  const arms = rows.map((row) => ({
    arm: row.arm,
    customers: row.customers,
    converted: row.converted,
    rate: row.customers ? row.converted / row.customers : 0,
  }));
  const find = (names: string[]) => arms.find((arm) => names.includes(arm.arm.toLowerCase())) ?? null;
  const exposed = find(EXPOSED_ARMS);
  const holdout = find(HOLDOUT_ARMS);
  const modelCredit = Object.fromEntries(
    MODELS.flatMap((model) => {
      const credit = byCampaign?.models[model]?.[experiment];
      return credit ? [[model, credit.conversions]] : [];
    }),
  );
  if (!exposed || !holdout)
    return {
      experiment,
      arms,
      exposed: exposed?.arm ?? null,
      holdout: holdout?.arm ?? null,
      lift: null,
      modelCredit,
      note: `No lift: the experiment needs an exposed arm (${EXPOSED_ARMS.join(', ')}) and a holdout (${HOLDOUT_ARMS.join(', ')}) ${armSource}.`,
    };
  const lift = computeLift(exposed, holdout);
  return {
    experiment,
    arms,
    exposed: exposed.arm,
    holdout: holdout.arm,
    lift: {
      ...lift,
      incrementalConversions: {
        estimate: lift.lift * exposed.customers,
        low: lift.interval.low * exposed.customers,
        high: lift.interval.high * exposed.customers,
      },
    },
    modelCredit,
    note: null,
  };
}

export type AttributionService = ReturnType<typeof createAttributionService>;

/** Markov's and Shapley's 95 % intervals over the resamples, with a note saying how they were found. */
function withIntervals(report: AttributionReport, query: AttributionQuery, resamples: PathCounts): void {
  report.intervals = bootstrapIntervals(resamples.transitions, resamples.sets);
  report.notes.push(
    `Markov and Shapley intervals: 2.5th to 97.5th percentile of ${query.bootstrap} resamples of customers (Poisson bootstrap).`,
  );
}

async function refuseUnknownInput(db: Database, workspaceId: number, query: AttributionQuery): Promise<void> {
  if (!query.conversion.startsWith('stage:'))
    await refuseUnknownEvents(db, workspaceId, [{ name: query.conversion, field: 'conversion' }]);
  if (!query.by.startsWith('properties.')) return;
  const key = query.by.slice('properties.'.length);
  // The key was checked against [A-Za-z0-9_$-]: safe inside a string literal (a bound key reads as an index).
  const found = await db.query(
    `SELECT 1 AS found FROM events WHERE workspace_id = $1 AND channel IS NOT NULL AND (properties ->> '${key}') IS NOT NULL LIMIT 1`,
    [workspaceId],
  );
  if (found.length === 0)
    throw new AppError(
      'INVALID_INPUT',
      `by: no touchpoint has the property "${key}" in this workspace. Group by channel, campaign, device, source, medium, touchpoint, format, or a property your touchpoints carry.`,
      { details: { field: 'by' } },
    );
}

/** A trait no customer was ever given is a typo far more often than an experiment with no one in it: 400. */
async function refuseUnknownTrait(db: Database, workspaceId: number, trait: string): Promise<void> {
  const found = await db.query(
    'SELECT 1 AS found FROM trait_history WHERE workspace_id = $1 AND trait = $2 LIMIT 1',
    [workspaceId, trait],
  );
  if (found.length > 0) return;
  const alike = await db.query<{ trait: string }>(
    'SELECT DISTINCT trait FROM trait_history WHERE workspace_id = $1 AND lower(trait) = lower($2) LIMIT 3',
    [workspaceId, trait],
  );
  const known = await db.query<{ trait: string }>(
    'SELECT DISTINCT trait FROM trait_history WHERE workspace_id = $1 ORDER BY trait LIMIT 11',
    [workspaceId],
  );
  const listed = known.slice(0, 10).map((row) => `"${row.trait}"`);
  const hint = [
    alike.length
      ? ` Trait names are case-sensitive: did you mean ${alike.map((row) => `"${row.trait}"`).join(' or ')}?`
      : '',
    known.length
      ? ` The traits customers have include ${listed.join(', ')}${known.length > 10 ? ', …' : ''}.`
      : ' No customer has any trait yet: traits come from identify calls and customer imports.',
  ].join('');
  throw new AppError(
    'INVALID_INPUT',
    `trait: no customer has a trait named "${trait}" in this workspace.${hint}`,
    {
      details: { field: 'trait' },
    },
  );
}
