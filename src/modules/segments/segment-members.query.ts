/**
 * Compiles a rule tree to one SQL query of customer ids, the same text on both engines. Each leaf that
 * reads another table becomes a CTE of (customer_id, v) joined to the customers once; every event count
 * and sum is a column of one CTE, so that the events are read once however many rules count them. The tree
 * becomes one boolean expression over them. Every leaf is COALESCEd to true or false, so that `not` of a
 * customer with no row in a leaf's table is true rather than SQL's unknown.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { rfmScoresSql, rfmSegment } from '../value/index.ts';
import type { Comparison, EventRule, PropertyCondition, Rule, TraitRule } from './segment-rules.schema.ts';

export interface SegmentClock {
  /** Windows (`within`) end here, and nothing later counts. */
  asOf: Date;
  /** A customer in Action or Loyalty last seen before this is lapsed (the lifecycle's rule). */
  lapsedBefore: Date;
}

/** Event fields that are columns; every other name is read from the event's properties. */
const EVENT_COLUMNS = new Set(['channel', 'device', 'campaign', 'source', 'medium']);
const NUMBER = `'^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$'`;

/**
 * The members' query: `SELECT customer_id …`, with `$1` the workspace and values pushed onto `params`
 * (whose first entry must be the workspace id), so that it can also stand as a subquery in another report.
 */
export function buildSegmentMembersSql(rule: Rule, clock: SegmentClock, params: unknown[]): string {
  const bind = (value: unknown) => `$${params.push(value)}`;
  // Bound once, when first used: DuckDB refuses a parameter the statement does not use.
  let asOfPlaceholder: string | undefined;
  const asOf = () => {
    asOfPlaceholder ??= `CAST(${bind(clock.asOf)} AS TIMESTAMP)`;
    return asOfPlaceholder;
  };
  const since = (seconds: number | undefined) =>
    seconds === undefined
      ? ''
      : ` AND e.occurred_at >= CAST(${bind(new Date(clock.asOf.getTime() - seconds * 1000))} AS TIMESTAMP)`;
  const ctes: string[] = [];
  const joins = new Set<string>();
  const leaf = (body: string) => {
    const name = `r${ctes.length + 1}`;
    ctes.push(`${name} AS (${body})`);
    joins.add(`LEFT JOIN ${name} ON ${name}.customer_id = c.customer_id`);
    return name;
  };
  const lifecycle = () => {
    joins.add(
      'LEFT JOIN customer_lifecycle l ON l.workspace_id = c.workspace_id AND l.customer_id = c.customer_id',
    );
    return 'l';
  };

  const eventConditions = (alias: string, where: PropertyCondition[] | undefined) =>
    (where ?? [])
      .map((condition) => ` AND ${compare(eventField(alias, condition.property), condition, bind)}`)
      .join('');

  const eventLeaf = (rule: EventRule): string => {
    const following = rule.followedBy ?? rule.notFollowedBy;
    if (following) {
      const matching = `FROM events e WHERE e.workspace_id = $1 AND e.name = ${bind(rule.event)} AND e.occurred_at <= ${asOf()}${since(rule.within)}${eventConditions('e', rule.where)}`;
      const name = leaf(`SELECT DISTINCT e.customer_id, 1 AS v ${matching}
        AND ${rule.notFollowedBy ? 'NOT ' : ''}EXISTS (SELECT 1 FROM events f
          WHERE f.workspace_id = e.workspace_id AND f.customer_id = e.customer_id AND f.name = ${bind(following.event)}
            AND f.occurred_at > e.occurred_at AND f.occurred_at <= e.occurred_at + INTERVAL '${following.within} seconds'
            AND f.occurred_at <= ${asOf()}${eventConditions('f', following.where)})`);
      return `${name}.v IS NOT NULL`;
    }
    // Counts and sums are columns of one pass over the events (below), whatever their number.
    const filter = `e.name = ${eventName(rule.event)}${since(rule.within)}${eventConditions('e', rule.where)}`;
    tallyWindows.push(rule.within ?? Number.POSITIVE_INFINITY);
    const measure = rule.sum ? `sum(${asNumber(eventField('e', rule.sum.property))})` : 'count(*)';
    tallies.push(`${measure} FILTER (WHERE ${filter}) AS t${tallies.length + 1}`);
    const column = `coalesce(tally.t${tallies.length}, 0)`;
    const amount = rule.count ?? rule.sum;
    return amount ? `${column} ${OPERATORS[amount.op]} ${bind(amount.value)}` : `${column} > 0`;
  };
  const tallies: string[] = [];
  /** Each tally's window in seconds (∞ for ever): the pass reads only the events the longest one can count. */
  const tallyWindows: number[] = [];
  const eventNames = new Map<string, string>();
  const eventName = (name: string) => {
    if (!eventNames.has(name)) eventNames.set(name, bind(name));
    return eventNames.get(name)!;
  };

  const compile = (rule: Rule): string => {
    if ('all' in rule) return `(${rule.all.map(compile).join(' AND ')})`;
    if ('any' in rule) return `(${rule.any.map(compile).join(' OR ')})`;
    if ('not' in rule) return `NOT ${compile(rule.not)}`;
    return `coalesce(${compileLeaf(rule)}, FALSE)`;
  };

  const compileLeaf = (rule: Exclude<Rule, { all: Rule[] } | { any: Rule[] } | { not: Rule }>): string => {
    if ('trait' in rule) return compare(`(c.traits ->> '${rule.trait}')`, rule, bind);
    if ('event' in rule) return eventLeaf(rule);
    if ('identity' in rule)
      return `${leaf(`SELECT DISTINCT customer_id, 1 AS v FROM identities WHERE workspace_id = $1 AND kind = ${bind(rule.identity)}`)}.v IS NOT NULL`;
    if ('stage' in rule) return `${lifecycle()}.stage IN (${list(rule.stage)})`;
    if ('reachedStage' in rule) {
      const column = `${lifecycle()}.${rule.reachedStage}_at`;
      const after =
        rule.within === undefined
          ? ''
          : ` AND ${column} >= ${bind(new Date(clock.asOf.getTime() - rule.within * 1000))}`;
      return `(${column} <= ${asOf()}${after})`;
    }
    if ('lapsed' in rule) {
      const lapsed = `(${lifecycle()}.stage IN ('action', 'loyalty') AND l.last_seen_at < CAST(${bind(clock.lapsedBefore)} AS TIMESTAMP))`;
      return rule.lapsed ? lapsed : `NOT coalesce(${lapsed}, FALSE)`;
    }
    if ('account' in rule) {
      const traits =
        rule.account === true
          ? ''
          : ` AND ${compare(`(a.traits ->> '${rule.account.trait}')`, rule.account, bind)}`;
      return `${leaf(`SELECT DISTINCT m.customer_id, 1 AS v FROM account_memberships m
        JOIN accounts a ON a.workspace_id = m.workspace_id AND a.account_id = m.account_id
        WHERE m.workspace_id = $1${traits}`)}.v IS NOT NULL`;
    }
    if ('buyingRole' in rule)
      return `${leaf(`SELECT DISTINCT customer_id, 1 AS v FROM account_memberships
        WHERE workspace_id = $1 AND buying_role IN (${list(rule.buyingRole)})`)}.v IS NOT NULL`;
    if ('rfm' in rule) {
      const named = new Set([rule.rfm].flat());
      const cells = [1, 2, 3, 4, 5].flatMap((r) =>
        [1, 2, 3, 4, 5].filter((f) => named.has(rfmSegment(r, f))).map((f) => r * 10 + f),
      );
      const scores = leaf(`SELECT customer_id, r * 10 + f AS v FROM (${rfmScoresSql(asOf())}) AS rfm`);
      return `${scores}.v IN (${cells.join(', ')})`;
    }
    if ('clv' in rule || 'probabilityAlive' in rule) {
      const [column, amount] =
        'clv' in rule ? ['clv', rule.clv] : ['probability_alive', rule.probabilityAlive];
      const stored = leaf(`SELECT customer_id, ${column} AS v FROM customer_values WHERE workspace_id = $1`);
      return `${stored}.v ${OPERATORS[amount.op]} ${bind(amount.value)}`;
    }
    if ('persona' in rule)
      return `${leaf(`SELECT customer_id, persona_id AS v FROM persona_assignments WHERE workspace_id = $1`)}.v IN (${rule.persona.map(Number).join(', ')})`;
    throw new AppError('INTERNAL', `segment rule "${rule.segment}" reached the compiler unresolved`);
  };

  const where = compile(rule);
  if (tallies.length > 0) {
    ctes.push(`tally AS (SELECT e.customer_id, ${tallies.join(', ')} FROM events e
      WHERE e.workspace_id = $1 AND e.occurred_at <= ${asOf()}${since(longest(tallyWindows))}
        AND e.name IN (${[...eventNames.values()].join(', ')})
      GROUP BY e.customer_id)`);
    joins.add('LEFT JOIN tally ON tally.customer_id = c.customer_id');
  }
  return `${ctes.length ? `WITH ${ctes.join(',\n')}\n` : ''}SELECT c.customer_id FROM customers c
${[...joins].join('\n')}
WHERE c.workspace_id = $1 AND c.merged_into IS NULL AND ${where}`;
}

/** The members of a rule tree, by customer id. */
export async function querySegmentMembers(
  db: Queryable,
  workspaceId: number,
  rule: Rule,
  clock: SegmentClock,
): Promise<number[]> {
  const params: unknown[] = [workspaceId];
  const sql = buildSegmentMembersSql(rule, clock, params);
  const rows = await db.query<{ customer_id: number }>(`${sql}\nORDER BY c.customer_id`, params);
  return rows.map((row) => row.customer_id);
}

/** The longest of some windows, or undefined when one of them is for ever. */
const longest = (windows: number[]) => {
  const widest = Math.max(...windows);
  return Number.isFinite(widest) ? widest : undefined;
};

const OPERATORS = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** Stage and role names come from closed lists, so they are written into the SQL as they are. */
const list = (values: string | string[]) =>
  [values]
    .flat()
    .map((value) => `'${value}'`)
    .join(', ');

const eventField = (alias: string, property: string) => {
  const key = property.startsWith('properties.') ? property.slice('properties.'.length) : property;
  return EVENT_COLUMNS.has(property) ? `${alias}.${property}` : `(${alias}.properties ->> '${key}')`;
};

/** A text expression as a number, or NULL where it is not one (never an error). */
const asNumber = (text: string) => `CASE WHEN ${text} ~ ${NUMBER} THEN CAST(${text} AS DOUBLE PRECISION) END`;

/** A text field (a column, or a JSON value read as text in parentheses: DuckDB binds `->>` looser than `=`) compared as a trait or property rule says. */
function compare(
  field: string,
  rule: Pick<TraitRule, 'op' | 'value'>,
  bind: (value: unknown) => string,
): string {
  const { op, value } = rule;
  const text = (v: unknown) => bind(String(v));
  const ops: Record<Comparison, () => string> = {
    exists: () => `${field} IS NOT NULL`,
    missing: () => `${field} IS NULL`,
    eq: () =>
      typeof value === 'number' ? `${asNumber(field)} = ${bind(value)}` : `${field} = ${text(value)}`,
    neq: () =>
      `(${field} IS NULL OR ${typeof value === 'number' ? `${asNumber(field)} IS DISTINCT FROM ${bind(value)}` : `${field} <> ${text(value)}`})`,
    gt: () => `${asNumber(field)} > ${bind(value)}`,
    gte: () => `${asNumber(field)} >= ${bind(value)}`,
    lt: () => `${asNumber(field)} < ${bind(value)}`,
    lte: () => `${asNumber(field)} <= ${bind(value)}`,
    in: () => `${field} IN (${[value].flat().map(text).join(', ')})`,
    notIn: () => `(${field} IS NULL OR ${field} NOT IN (${[value].flat().map(text).join(', ')}))`,
    contains: () => `strpos(lower(${field}), lower(${text(value)})) > 0`,
  };
  return ops[op]();
}
