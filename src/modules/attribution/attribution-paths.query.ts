/**
 * The paths that attribution credits, in one SQL text for both engines. A touchpoint is a visit: one per
 * customer, moment and channel (a page and the events of the same visit are one touchpoint). Each touchpoint
 * belongs to the customer's next conversion if it came within the lookback window before it (a touchpoint
 * at the very moment of a conversion comes before it); touchpoints after a customer's last conversion make
 * a path that has not converted, its window ending at its last touchpoint. The heuristic models are summed
 * here; Markov and Shapley get the counts they are computed from (compute-markov.ts, compute-shapley.ts).
 */
import type { Queryable } from '../../platform/db/database.ts';
import { epochDay, epochSeconds, type SqlQuery } from '../../platform/db/portable-sql.ts';
import { STAGES } from '../lifecycle/index.ts';
import type { AttributionQuery } from './attribution.schema.ts';

/** Joins the parts of a Markov state or a channel set: a character no group value has. */
export const PART_SEPARATOR = '\u001f';

const NUMBER = "'^-?[0-9]+(\\.[0-9]+)?$'";

/** What a conversion event is worth: `revenue`, else `total`, else `value`; 0 when none is a number. */
const revenueOf = (properties: string) => {
  const text = `coalesce(${properties} ->> 'revenue', ${properties} ->> 'total', ${properties} ->> 'value')`;
  return `CASE WHEN ${text} ~ ${NUMBER} THEN CAST(${text} AS DOUBLE PRECISION) ELSE 0 END`;
};

function groupColumn(by: string): string {
  if (by === 'touchpoint') return 'e.name';
  if (by === 'format') return 'ci.format';
  // The key was checked against [A-Za-z0-9_$-]: safe inside a string literal.
  if (by.startsWith('properties.')) return `CAST(e.properties ->> '${by.slice(11)}' AS TEXT)`;
  return `e.${by}`;
}

/**
 * The conversions asked for (customer_id, moment, revenue), `nth` numbering each customer's with
 * occurrence=first (every conversion is 1 otherwise). Workspace in $1.
 */
export function conversionEventsSql(
  query: Pick<AttributionQuery, 'conversion' | 'occurrence'>,
  bind: (value: unknown) => string,
): string {
  const stage = query.conversion.startsWith('stage:') ? query.conversion.slice(6) : null;
  if (stage)
    return `SELECT customer_id, entered_at AS moment, 0 AS revenue, 1 AS nth
       FROM stage_entries WHERE workspace_id = $1 AND stage = ${bind(stage)}`;
  const nth =
    query.occurrence === 'first'
      ? 'row_number() OVER (PARTITION BY e.customer_id ORDER BY e.occurred_at, e.message_id)'
      : '1';
  return `SELECT e.customer_id, e.occurred_at AS moment, ${revenueOf('e.properties')} AS revenue, ${nth} AS nth
       FROM events e WHERE e.workspace_id = $1 AND e.name = ${bind(query.conversion)}`;
}

/** How the paths are read: per lifecycle step rather than for one conversion, and for several parts. */
interface PathOptions {
  /** The paths of each step of the lifecycle (`step` 1 … 5: entering each stage after the first). */
  stages?: boolean;
  /** The touchpoints are read by several parts of one query: computed once and held. */
  shared?: boolean;
}

/** The lifecycle's steps, numbered from 1: entering each stage after the first, from the one before. */
export const LIFECYCLE_STEPS = STAGES.slice(1).map((to, index) => ({
  step: index + 1,
  from: STAGES[index]!,
  to,
}));

/** The steps as a relation `s` for the SQL. */
const STEPS_SQL = `(VALUES ${LIFECYCLE_STEPS.map(
  ({ step, from, to }) => `(${step}, '${from}', '${to}')`,
).join(', ')}) AS s(step, from_stage, to_stage)`;

/** When the customer of lifecycle row `l` entered the stage named in `column`. */
const enteredAt = (column: string) =>
  `CASE ${column} ${STAGES.map((stage) => `WHEN '${stage}' THEN l.${stage}_at`).join(' ')} END`;

/**
 * The CTEs every attribution query starts from, ending in `windowed`: each path's touchpoints, with the
 * path's end (`ends_at`: its conversion, or for a path that has not converted its last touchpoint). One
 * window pass over each customer's events and conversions in time order finds all of it: the next
 * conversion after each touchpoint; the last touchpoint after it, which ends a path that has not converted;
 * and the events of one visit (same moment and channel), of which the first, holding the visit's grouping
 * value, is the touchpoint; and `seq`, each row's place in that order. `touch_rows` keeps every event of the
 * visits in the paths, for Markov of order 1 (see transitionPart); `windowed`, one row per touchpoint, for
 * everything else.
 *
 * Every row carries its `step`: 0 for one conversion; with `stages`, the lifecycle step whose paths it is
 * on, so that the five steps are read in one pass. A touchpoint is on step n's path from the customer's entry
 * into its first stage to the entry into the next (the event that entered it excepted), and on step n + 1's
 * too when it came at that moment: what the customer did after converting belongs to no path of the step.
 */
function pathsSql(
  workspaceId: number,
  query: AttributionQuery,
  { stages = false, shared = false }: PathOptions = {},
): { ctes: string; params: unknown[] } {
  const params: unknown[] = [workspaceId];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const stage = query.conversion.startsWith('stage:') ? query.conversion.slice(6) : null;
  const conversionEvents = stages
    ? `SELECT s.step, x.customer_id, x.entered_at AS moment, 0 AS revenue, 1 AS nth
       FROM stage_entries x JOIN ${STEPS_SQL} ON s.to_stage = x.stage WHERE x.workspace_id = $1`
    : `SELECT 0 AS step, c.* FROM (${conversionEventsSql(query, bind)}) c`;
  // The event that is the conversion is not a touchpoint of it (the visit it came in still is). A step's
  // touchpoints come from the entry into its first stage, up to the entry into the next if there was one.
  const onThePath = stages
    ? `AND e.occurred_at >= ${enteredAt('s.from_stage')}
      AND (${enteredAt('s.to_stage')} IS NULL OR e.occurred_at <= ${enteredAt('s.to_stage')})
      AND NOT EXISTS (SELECT 1 FROM stage_entries x WHERE x.workspace_id = $1 AND x.customer_id = e.customer_id
        AND x.stage = s.to_stage AND x.message_id = e.message_id)`
    : stage
      ? `AND e.message_id NOT IN (SELECT message_id FROM stage_entries
        WHERE workspace_id = $1 AND stage = ${bind(stage)} AND message_id IS NOT NULL)`
      : `AND e.name <> ${bind(query.conversion)}`;
  const lifecycleSteps = stages
    ? `JOIN customer_lifecycle l ON l.workspace_id = e.workspace_id AND l.customer_id = e.customer_id
      CROSS JOIN ${STEPS_SQL}`
    : '';
  const content =
    query.by === 'format'
      ? `LEFT JOIN content_items ci ON ci.workspace_id = e.workspace_id AND ci.content_id = CAST(e.properties ->> 'content_id' AS TEXT)`
      : '';
  // A visit is one touchpoint; grouped by the touchpoint itself, one per event name of the visit.
  const sameVisit = (next: 'lag' | 'lead') =>
    [
      `${next}(kind) OVER c = 0`,
      `${next}(moment) OVER c = moment`,
      `${next}(channel) OVER c = channel`,
      ...(query.by === 'touchpoint' ? [`${next}(grp) OVER c = grp`] : []),
    ].join(' AND ');
  const endsAt = 'coalesce(converted_at, last_touch_at)';
  const from = query.from ? `CAST(${bind(query.from)} AS TIMESTAMP)` : null;
  const range = [
    from ? `AND ${endsAt} >= ${from}` : '',
    query.to ? `AND ${endsAt} < CAST(${bind(query.to)} AS TIMESTAMP)` : '',
  ].join(' ');
  // A touchpoint more than the lookback before `from` is on no path that ends from then on, nor does it change
  // what the window pass finds for those that are (the conversions are all kept, for occurrence=first): left
  // out of the sort. No such cut before `to`: a later touchpoint ends the path of one that did not convert.
  const recentEnough = from ? `AND e.occurred_at >= ${from} - INTERVAL '${query.lookback} seconds'` : '';
  // With occurrence=first, what a customer does after converting belongs to no path.
  const first = stages || query.occurrence === 'first';
  const converted = first ? `, max(kind) OVER (c ${SO_FAR}) AS converted_before` : '';
  const step = stages ? 's.step' : '0';
  const ctes = `step_list AS (SELECT ${stages ? `step FROM ${STEPS_SQL}` : '0 AS step'}),
  conversions AS MATERIALIZED (
    SELECT step, customer_id, moment, count(*) AS conversions, sum(revenue) AS revenue
    FROM (${conversionEvents}) c WHERE nth = 1
    GROUP BY step, customer_id, moment
  ),
  stream AS (
    SELECT ${step} AS step, e.customer_id, e.occurred_at AS moment, 0 AS kind, e.channel,
      coalesce(${groupColumn(query.by)}, '(none)') AS grp
    FROM events e ${lifecycleSteps} ${content}
    WHERE e.workspace_id = $1 AND e.channel IS NOT NULL AND e.type IN ('track', 'page', 'screen') ${onThePath}
      ${recentEnough}

    UNION ALL
    SELECT step, customer_id, moment, 1 AS kind, NULL, NULL FROM conversions
  ),
  assigned AS (
    SELECT step, customer_id, moment, kind, channel, grp,
      min(CASE WHEN kind = 1 THEN moment END) OVER (c ${FROM_HERE}) AS converted_at,
      CASE WHEN ${sameVisit('lag')} THEN 1 ELSE 0 END AS seen_before${converted},
      row_number() OVER c AS seq,
      max(CASE WHEN kind = 0 THEN moment END) OVER (c ${FROM_HERE}) AS last_touch_at,
      CASE WHEN ${sameVisit('lead')} THEN 1 ELSE 0 END AS seen_after,
      lag(kind) OVER c AS previous_kind, lag(moment) OVER c AS previous_moment, lag(grp) OVER c AS previous_grp,
      lead(kind) OVER c AS next_kind
    FROM stream
    -- Within a moment, touchpoints come before the conversion; within a visit, the grouping value first.
    WINDOW c AS (PARTITION BY step, customer_id ORDER BY moment, kind, channel${query.by === 'channel' ? '' : ', grp DESC'})
  ),
  touch_rows AS ${shared ? 'MATERIALIZED ' : ''}(
    SELECT step, customer_id, moment, channel, grp, converted_at, ${endsAt} AS ends_at, seen_before, seq,
      seen_after, previous_kind, previous_moment, previous_grp, next_kind
    FROM assigned
    WHERE kind = 0 AND moment >= ${endsAt} - INTERVAL '${query.lookback} seconds' ${range}
      ${first ? 'AND (converted_at IS NOT NULL OR converted_before = 0)' : ''}
  ),
  windowed AS (SELECT * FROM touch_rows WHERE seen_before = 0)`;
  return { ctes, params };
}

const FROM_HERE = 'ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING';
const SO_FAR = 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';

/**
 * A window over each path's touchpoints in order (`seq`, their place in the customer's time order: one
 * integer sorts faster than the moment, channel and group it stands for); an `after` frame of it.
 */
const PATH_WINDOW = 'PARTITION BY step, customer_id, ends_at ORDER BY seq';
const AFTER = 'ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING';

/**
 * A part of an attribution query over the paths: CTEs of its own, and the SELECTs (column → expression, and
 * the rest of the SELECT from FROM on) whose rows, UNION ALL, are its answer.
 */
interface Part {
  ctes: string;
  selects: Array<{ columns: Record<string, string>; rest: string }>;
}

/** The heuristic models' columns in the counts, each with its `_revenue` twin. */
export const HEURISTIC_COLUMNS = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
  'w_shaped',
];

/**
 * Per group, each heuristic model's credit in conversions and in revenue (converting paths only). One GROUP
 * BY over the touchpoints gives each path what the models need — its length, its decay weights' sum, and
 * which touchpoints are first, last, last non-direct and the W-shaped milestone (by their `seq`) — and one
 * join hands it to every touchpoint of the path.
 */
function heuristicPart(query: AttributionQuery, byDay: boolean): Part {
  const age = `${epochSeconds('w.ends_at')} - ${epochSeconds('w.moment')}`;
  const middleShare = 1 - query.firstShare - query.lastShare;
  const ctes = `touches AS MATERIALIZED (
    SELECT w.step, w.customer_id, w.converted_at, w.channel, w.grp, w.seq, w.moment, l.preference_at,
      power(0.5, (${age}) / ${query.halfLife}.0) AS decay
    FROM windowed w
    LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = w.customer_id
    WHERE w.converted_at IS NOT NULL
  ),
  paths AS (
    -- Each path's length and the touchpoints holding a role, by their place in the customer's time order:
    -- the first, the last, the last not direct, and the milestone (the last touchpoint by the entry into
    -- Preference, else the first). Totals by GROUP BY and a join cost less than a second sort of the paths.
    SELECT p.*, c.conversions, c.revenue
    FROM (
      SELECT step, customer_id, converted_at, count(*) AS n, sum(decay) AS decay_sum,
        min(seq) AS first_seq, max(seq) AS last_seq,
        coalesce(max(seq) FILTER (WHERE channel <> 'direct'), max(seq)) AS last_non_direct_seq,
        coalesce(max(seq) FILTER (WHERE moment <= preference_at), min(seq)) AS milestone_seq
      FROM touches GROUP BY step, customer_id, converted_at
    ) p
    JOIN conversions c ON c.step = p.step AND c.customer_id = p.customer_id AND c.moment = p.converted_at
  ),
  roles AS (
    -- 1 or 0: first, last, last non-direct, the milestone, and whether the milestone is neither end.
    SELECT t.step, t.grp, t.converted_at, t.decay, p.n, p.decay_sum, p.conversions, p.revenue,
      CAST(t.seq = p.first_seq AS INTEGER) AS f, CAST(t.seq = p.last_seq AS INTEGER) AS l,
      CAST(t.seq = p.last_non_direct_seq AS INTEGER) AS lnd, CAST(t.seq = p.milestone_seq AS INTEGER) AS m,
      CAST(p.milestone_seq <> p.first_seq AND p.milestone_seq <> p.last_seq AS INTEGER) AS inner_milestone
    FROM touches t
    JOIN paths p ON p.step = t.step AND p.customer_id = t.customer_id AND p.converted_at = t.converted_at
  ),
  credited AS (
    SELECT r.step, r.grp, ${byDay ? epochDay('r.converted_at') : 'NULL'} AS day, r.conversions, r.revenue,
      r.f AS first_touch,
      r.l AS last_touch,
      r.lnd AS last_non_direct,
      1.0 / r.n AS linear,
      r.decay / r.decay_sum AS time_decay,
      ${roleShares([query.firstShare, query.lastShare], middleShare, false)} AS position_based,
      ${roleShares([0.3, 0.3, 0.3], 0.1, true)} AS w_shaped
    FROM roles r
  )`;
  const credits = HEURISTIC_COLUMNS.flatMap((model) => [
    [model, `sum(CAST(cr.${model} AS DOUBLE PRECISION) * cr.conversions)`],
    [`${model}_revenue`, `sum(CAST(cr.${model} AS DOUBLE PRECISION) * cr.revenue)`],
  ]);
  return {
    ctes,
    selects: [
      {
        columns: {
          step: 'cr.step',
          grp: 'cr.grp',
          ...dayColumn(byDay, 'cr'),
          ...Object.fromEntries(credits),
        },
        rest: `FROM credited cr GROUP BY cr.step, cr.grp${byDay ? ', cr.day' : ''}`,
      },
    ],
  };
}

/**
 * Credit by role on a path: the first and the last touchpoint (and with \`milestone\`, the one that brought the
 * customer to Preference) take their shares, adding up when one touchpoint has several roles; the others
 * split what is left. Divided by what was handed out, so that a path always gives exactly 1: a path of one
 * touchpoint gives it everything, of two, half each when the first and last shares are equal.
 */
function roleShares(shares: number[], rest: number, milestone: boolean): string {
  const [first, last, middle = 0] = shares;
  const roleCredit = `${first} * r.f + ${last} * r.l${milestone ? ` + ${middle} * r.m` : ''}`;
  // Touchpoints holding a role: one on a path of one, else the first and the last, and an inner milestone.
  const holders = `(2 - r.f * r.l${milestone ? ' + r.inner_milestone' : ''})`;
  const others = `(r.n - ${holders})`;
  const isOther = `(1 - r.f) * (1 - r.l)${milestone ? ' * (1 - r.m)' : ''}`;
  const handedOut = `(${shares.reduce((a, b) => a + b, 0)} + ${rest} * sign(${others}))`;
  return `(${roleCredit} + ${isOther} * ${rest} / greatest(${others}, 1)) / ${handedOut}`;
}

/**
 * Markov transitions of the given order, counted over every path, in one window pass: a state is the last
 * \`order\` groups (fewer at a path's start), the previous state the \`order\` groups before. Each row counts
 * the touchpoints going from \`from_state\` (null: the start) to \`to_state\`; of those, \`ended\` were the path's
 * last and \`converted\` ended a converting path.
 */
function transitionPart(query: AttributionQuery, replicates: number, byDay = false): Part {
  const { from, weight, by } = resampled(replicates);
  const counts = (step: string) => ({
    ...by.columns,
    step: 's.step',
    ...dayColumn(byDay, 's'),
    from_state: 's.from_state',
    to_state: 's.to_state',
    paths: `sum(${step} * ${weight})`,
    ended: `sum(s.ended * ${weight})`,
    converted: `sum(CASE WHEN s.converted_at IS NOT NULL THEN s.ended * ${weight} ELSE 0 END)`,
  });
  const rest = `FROM moves s ${from} GROUP BY ${by.group}s.step, s.from_state, s.to_state${byDay ? ', s.day' : ''}`;
  const day = byDay ? `${epochDay('ends_at')} AS day, ` : '';
  const order = query.markovOrder;
  if (order === 1 && (query.by === 'channel' || query.by === 'touchpoint')) {
    // In one pass over the visits' events: the row before a visit's first event is the touchpoint before it
    // on the path (any event of that visit: grouped by channel or event name, they share the value), or a
    // conversion, or nothing; the row after a visit's last event is the next touchpoint, or the conversion
    // that ends the path, or nothing.
    const start = `previous_kind IS NULL OR previous_kind = 1 OR previous_moment < ends_at - INTERVAL '${query.lookback} seconds'`;
    const ctes = `moves AS (
    SELECT step, customer_id, converted_at, ${day}CASE WHEN ${start} THEN NULL ELSE previous_grp END AS from_state, grp AS to_state,
      1 - seen_before AS step_taken,
      CASE WHEN seen_after = 0 AND (next_kind IS NULL OR next_kind = 1) THEN 1 ELSE 0 END AS ended
    FROM touch_rows
    WHERE seen_before = 0 OR seen_after = 0
  )`;
    return { ctes, selects: [{ columns: counts('s.step_taken'), rest }] };
  }
  // The groups 1 … k touchpoints back; concat_ws skips those before the path's start.
  const back = (k: number) => Array.from({ length: k }, (_, i) => `lag(grp, ${k - i}) OVER p`);
  const state = order === 1 ? 'grp' : `concat_ws(chr(31), ${[...back(order - 1), 'grp'].join(', ')})`;
  const previous = order === 1 ? 'lag(grp) OVER p' : `concat_ws(chr(31), ${back(order).join(', ')})`;
  const ctes = `moves AS (
    SELECT step, customer_id, converted_at, ${day}
      CASE WHEN row_number() OVER p = 1 THEN NULL ELSE ${previous} END AS from_state,
      ${state} AS to_state,
      CASE WHEN count(*) OVER (p ${AFTER}) = 0 THEN 1 ELSE 0 END AS ended
    FROM windowed
    WINDOW p AS (${PATH_WINDOW})
  )`;
  return { ctes, selects: [{ columns: counts('1'), rest }] };
}

/**
 * Paths by the set of groups they touched, as a bit mask (group i is bit i of \`group_index\` rows): how many,
 * how many converted, and their conversions and revenue (the conversion-rate game of Shapley attribution).
 * Also, in the row of kind 'all', the period's conversions, with a path or not.
 */
function channelSetPart(query: AttributionQuery, replicates: number, params: unknown[], byDay = false): Part {
  const { from, weight, by } = resampled(replicates);
  const range = [
    query.from ? `AND c.moment >= CAST($${params.push(query.from)} AS TIMESTAMP)` : '',
    query.to ? `AND c.moment < CAST($${params.push(query.to)} AS TIMESTAMP)` : '',
  ].join(' ');
  const ctes = `group_index AS (
    SELECT step, grp, row_number() OVER (PARTITION BY step ORDER BY grp) - 1 AS idx
    FROM (SELECT DISTINCT step, grp FROM windowed) g
  ),
  path_sets AS (
    SELECT w.step, w.customer_id, w.converted_at, ${byDay ? epochDay('w.ends_at') : 'NULL'} AS day, bit_or(CAST(1 AS BIGINT) << CAST(g.idx AS INTEGER)) AS mask
    FROM windowed w JOIN group_index g ON g.step = w.step AND g.grp = w.grp
    WHERE g.idx < 63
    GROUP BY w.step, w.customer_id, w.ends_at, w.converted_at
  )`;
  const none: Record<string, string> = replicates ? { replicate: '0' } : {};
  return {
    ctes,
    selects: [
      {
        columns: {
          ...by.columns,
          step: 's.step',
          ...dayColumn(byDay, 's'),
          kind: "'set'",
          grp: 'NULL',
          mask: 's.mask',
          paths: `sum(${weight})`,
          converting: `sum(CASE WHEN s.converted_at IS NULL THEN 0 ELSE ${weight} END)`,
          conversions: `coalesce(sum(c.conversions * ${weight}), 0)`,
          revenue: `coalesce(sum(c.revenue * ${weight}), 0)`,
        },
        rest: `FROM path_sets s ${from}
    LEFT JOIN conversions c ON c.step = s.step AND c.customer_id = s.customer_id AND c.moment = s.converted_at
    GROUP BY ${by.group}s.step, s.mask${byDay ? ', s.day' : ''}`,
      },
      {
        columns: { ...none, step: 'step', kind: "'group'", grp: 'grp', mask: 'idx', ...zeros },
        rest: 'FROM group_index',
      },
      {
        columns: {
          ...none,
          step: 'st.step',
          ...(byDay ? { day: epochDay('c.moment') } : {}),
          kind: "'all'",
          grp: 'NULL',
          mask: 'NULL',
          paths: '0',
          converting: '0',
          conversions: 'coalesce(sum(c.conversions), 0)',
          revenue: 'coalesce(sum(c.revenue), 0)',
        },
        rest: `FROM step_list st LEFT JOIN conversions c ON c.step = st.step ${range} GROUP BY st.step${byDay ? `, ${epochDay('c.moment')}` : ''}`,
      },
    ],
  };
}

const zeros = { paths: '0', converting: '0', conversions: '0', revenue: '0' };

/** With `byDay`, the `day` column of a part's rows, from the CTE column of that name. */
const dayColumn = (byDay: boolean, table: string): Record<string, string> =>
  byDay ? { day: `${table}.day` } : {};

/** A query of one part alone: its rows as the part gives them. */
function partSql(ctes: string, part: Part): string {
  const selects = part.selects.map(
    ({ columns, rest }) =>
      `SELECT ${Object.entries(columns)
        .map(([name, value]) => `${value} AS ${name}`)
        .join(', ')}\n  ${rest}`,
  );
  return `WITH ${ctes},\n  ${part.ctes}\n  ${selects.join('\n  UNION ALL\n  ')}`;
}

export function buildHeuristicSql(workspaceId: number, query: AttributionQuery, stages = false): SqlQuery {
  const { ctes, params } = pathsSql(workspaceId, query, { stages });
  return { sql: partSql(ctes, heuristicPart(query, false)), params };
}

export function buildTransitionSql(
  workspaceId: number,
  query: AttributionQuery,
  replicates = 0,
  stages = false,
): SqlQuery {
  const { ctes, params } = pathsSql(workspaceId, query, { stages });
  return { sql: partSql(ctes, transitionPart(query, replicates)), params };
}

export function buildChannelSetSql(
  workspaceId: number,
  query: AttributionQuery,
  replicates = 0,
  stages = false,
): SqlQuery {
  const { ctes, params } = pathsSql(workspaceId, query, { stages });
  return { sql: partSql(ctes, channelSetPart(query, replicates, params)), params };
}

/** The columns of every part's rows, and the type each has in all of them: a part leaves the others NULL. */
const PATH_COLUMNS: Record<string, string> = {
  step: 'INTEGER',
  day: 'INTEGER',
  grp: 'TEXT',
  from_state: 'TEXT',
  to_state: 'TEXT',
  kind: 'TEXT',
  mask: 'BIGINT',
  ...Object.fromEntries(
    ['paths', 'ended', 'converted', 'converting', 'conversions', 'revenue']
      .concat(HEURISTIC_COLUMNS.flatMap((model) => [model, `${model}_revenue`]))
      .map((name) => [name, 'DOUBLE PRECISION']),
  ),
};

/**
 * Everything the models need, in one query: the paths are read once, and the heuristics, the Markov
 * transitions and the channel sets come from them, each row saying in `part` which it belongs to. Reading
 * the events is most of the work; with `stages`, every step of the lifecycle in the same read. With `byDay`,
 * the paths of all time, each row for one day: the day its paths ended (see countsWithin).
 */
export function buildAttributionSql(
  workspaceId: number,
  query: AttributionQuery,
  stages = false,
  byDay = false,
): SqlQuery {
  const allTime = byDay ? { ...query, from: undefined, to: undefined } : query;
  const { ctes, params } = pathsSql(workspaceId, allTime, { stages, shared: true });
  const parts = {
    heuristic: heuristicPart(allTime, byDay),
    transition: transitionPart(allTime, 0, byDay),
    set: channelSetPart(allTime, 0, params, byDay),
  };
  const selects = Object.entries(parts).flatMap(([name, part]) =>
    part.selects.map(({ columns, rest }) => {
      const values = Object.entries(PATH_COLUMNS).map(
        ([column, type]) => `CAST(${columns[column] ?? 'NULL'} AS ${type}) AS ${column}`,
      );
      return `SELECT '${name}' AS part, ${values.join(', ')}\n  ${rest}`;
    }),
  );
  const sql = `WITH ${ctes},
  ${Object.values(parts)
    .map((part) => part.ctes)
    .join(',\n  ')}
  ${selects.join('\n  UNION ALL\n  ')}`;
  return { sql, params };
}

/**
 * Resampling customers for the bootstrap: each replicate weighs each customer by a draw from Poisson(1)
 * (the Poisson bootstrap: as many copies of them as a resample with replacement would hold, on average).
 * The draw comes from the customer id and the replicate number through three steps of the Park–Miller
 * generator: integer arithmetic, so that both engines draw the same weights, with no random state.
 */
function resampled(replicates: number): {
  from: string;
  weight: string;
  by: { columns: Record<string, string>; group: string };
} {
  if (replicates === 0) return { from: '', weight: '1', by: { columns: {}, group: '' } };
  return {
    from: `CROSS JOIN (SELECT generate_series AS replicate FROM generate_series(1, ${replicates})) r`,
    weight: poissonWeight('s.customer_id', 'r.replicate'),
    by: { columns: { replicate: 'r.replicate' }, group: 'r.replicate, ' },
  };
}

/** A customer's weight in a replicate: a draw from Poisson(1), the same on both engines (see `resampled`). */
export function poissonWeight(customer: string, replicate: string): string {
  const p = 2_147_483_647;
  const step = (x: string) => `((${x}) * 48271) % ${p}`;
  const seed = `(CAST(${customer} AS BIGINT) % ${p}) * 48271 % ${p} + CAST(${replicate} AS BIGINT) * 16807`;
  const u = `(${step(step(step(seed)))}) / ${p}.0`;
  // P(weight ≤ k) for Poisson(1), k = 0 … 5; beyond, 6.
  const cumulative = [0.36787944, 0.73575888, 0.9196986, 0.98101184, 0.99634015, 0.99940582];
  return `(CASE ${cumulative.map((bound, k) => `WHEN ${u} < ${bound} THEN ${k}`).join(' ')} ELSE 6 END)`;
}

/** With `byDay`, a row's counts are of the paths that ended on that day (days since the epoch). */
interface DayOf {
  day?: number | null;
}
export type HeuristicRow = { step: number; grp: string } & DayOf & Record<string, number>;
export interface TransitionRow extends DayOf {
  /** With a bootstrap, the resample the counts are of. */
  replicate?: number;
  step: number;
  from_state: string | null;
  to_state: string;
  paths: number;
  ended: number;
  converted: number;
}
export interface ChannelSetRow extends DayOf {
  replicate?: number;
  step: number;
  kind: 'set' | 'group' | 'all';
  grp: string | null;
  mask: number | null;
  paths: number;
  converting: number;
  conversions: number;
  revenue: number;
}

/** What the models are computed from, for one conversion or one step of the lifecycle. */
export interface PathCounts {
  heuristics: HeuristicRow[];
  transitions: TransitionRow[];
  sets: ChannelSetRow[];
}

type PathRow = { part: 'heuristic' | 'transition' | 'set' } & HeuristicRow & TransitionRow & ChannelSetRow;

/**
 * The counts of the paths to one conversion, or with `stages` of each step of the lifecycle (by step: 1 is
 * entering the second stage), read in one query; with `byDay`, of all time, day by day (day-counts.ts).
 */
export async function queryAttributionPaths(
  db: Queryable,
  workspaceId: number,
  query: AttributionQuery,
  stages = false,
  byDay = false,
): Promise<Map<number, PathCounts>> {
  const { sql, params } = buildAttributionSql(workspaceId, query, stages, byDay);
  const counts = emptyCounts(stages);
  for (const row of await db.query<PathRow>(sql, params)) {
    const step = counts.get(row.step)!;
    if (row.part === 'heuristic') step.heuristics.push(row);
    else if (row.part === 'transition') step.transitions.push(row);
    else step.sets.push(row);
  }
  return counts;
}

/** Markov's and Shapley's counts in each of `query.bootstrap` resamples of customers, by step as above. */
export async function queryResamples(
  db: Queryable,
  workspaceId: number,
  query: AttributionQuery,
  stages = false,
): Promise<Map<number, PathCounts>> {
  const run = <T extends object>({ sql, params }: SqlQuery) => db.query<T>(sql, params);
  const [transitions, sets] = await Promise.all([
    run<TransitionRow>(buildTransitionSql(workspaceId, query, query.bootstrap, stages)),
    run<ChannelSetRow>(buildChannelSetSql(workspaceId, query, query.bootstrap, stages)),
  ]);
  const counts = emptyCounts(stages);
  for (const row of transitions) counts.get(row.step)!.transitions.push(row);
  for (const row of sets) counts.get(row.step)!.sets.push(row);
  return counts;
}

/** No counts yet for the one conversion (step 0), or for each step of the lifecycle. */
function emptyCounts(stages: boolean): Map<number, PathCounts> {
  const steps = stages ? LIFECYCLE_STEPS.map(({ step }) => step) : [0];
  return new Map(steps.map((step) => [step, { heuristics: [], transitions: [], sets: [] }]));
}
