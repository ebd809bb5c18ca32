/**
 * How the stored lifetime values (customer_values) spread: customers and value per bin of CLV.
 *
 * The bins step 0, 1, 2, 5, 10, 20, 50, … (1-2-5 in each decade, the last one open-ended). Lifetime value
 * is heavily skewed — BG/NBD purchases times Gamma-Gamma spend leaves most customers worth little and a few
 * worth a hundred times more — so bins of equal width would put nearly everyone in the first bar. Edges
 * evenly spaced on a log scale show the whole shape, and round money amounts read at a glance (which
 * quantile edges, moving with the data, would not; nor would they show the shape: every bar the same).
 */
import type { Queryable } from '../../platform/db/database.ts';
import type { SqlQuery } from '../../platform/db/portable-sql.ts';

/** The lower edges of the bins, in the workspace's currency: 0, then 1-2-5 up to 5 × 10⁹. */
export const CLV_EDGES: readonly number[] = [
  0,
  ...Array.from({ length: 10 }, (_, decade) => [1, 2, 5].map((step) => step * 10 ** decade)).flat(),
];

export interface ClvBinRow {
  bin: number;
  customers: number | bigint;
  value: number;
}

/** Bin i holds CLV_EDGES[i] ≤ clv < CLV_EDGES[i + 1]; below 1 (a negative value, were there one) is bin 0. */
const binSql = () =>
  `CASE ${CLV_EDGES.slice(1)
    .map((edge, i) => `WHEN clv < ${edge} THEN ${i}`)
    .join(' ')} ELSE ${CLV_EDGES.length - 1} END`;

/** Customers and value per non-empty bin; `$1` the workspace, `$2` a saved segment's slug when given. */
export function buildClvDistributionSql(workspaceId: number, savedSegment?: string): SqlQuery {
  const members = savedSegment
    ? `AND customer_id IN (
        SELECT m.customer_id FROM segment_members m
        JOIN segments sg ON sg.workspace_id = m.workspace_id AND sg.segment_id = m.segment_id
        WHERE m.workspace_id = $1 AND sg.slug = $2)`
    : '';
  return {
    sql: `SELECT bin, count(*) AS customers, CAST(sum(clv) AS DOUBLE PRECISION) AS value
      FROM (SELECT ${binSql()} AS bin, clv FROM customer_values WHERE workspace_id = $1 ${members}) AS binned
      GROUP BY bin ORDER BY bin`,
    params: savedSegment ? [workspaceId, savedSegment] : [workspaceId],
  };
}

export function queryClvDistribution(
  db: Queryable,
  workspaceId: number,
  savedSegment?: string,
): Promise<ClvBinRow[]> {
  const { sql, params } = buildClvDistributionSql(workspaceId, savedSegment);
  return db.query<ClvBinRow>(sql, params);
}

export interface ClvBin {
  from: number;
  /** null: the last bin, with no upper edge. */
  to: number | null;
  customers: number;
  value: number;
}

/** The bins from the lowest that has a customer to the highest, empty ones between them kept. */
export function computeClvBins(rows: readonly ClvBinRow[]): ClvBin[] {
  if (rows.length === 0) return [];
  const found = new Map(rows.map((row) => [Number(row.bin), row]));
  const bins = [...found.keys()];
  const lowest = Math.min(...bins);
  const highest = Math.max(...bins);
  return Array.from({ length: highest - lowest + 1 }, (_, k) => {
    const i = lowest + k;
    const row = found.get(i);
    return {
      from: CLV_EDGES[i]!,
      to: CLV_EDGES[i + 1] ?? null,
      customers: Number(row?.customers ?? 0),
      value: Number(row?.value ?? 0),
    };
  });
}
