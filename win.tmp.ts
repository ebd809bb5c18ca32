import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
const db = await openDuckDB('/tmp/attr1m.duckdb');
await db.exec(`CREATE OR REPLACE TEMP TABLE w AS SELECT customer_id, occurred_at AS moment, channel, channel AS grp, TIMESTAMP '2027-01-01' AS ends_at, occurred_at - INTERVAL 1 DAY AS preference_at FROM events WHERE channel IS NOT NULL AND customer_id % 100 < 30`);
const P = 'PARTITION BY customer_id, ends_at ORDER BY moment, channel, grp';
const variants: Record<string, string> = {
  rownum: `row_number() OVER (${P})`,
  countWhole: `count(*) OVER (${P} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`,
  countNoOrder: `count(*) OVER (PARTITION BY customer_id, ends_at)`,
  filterWhole: `count(*) FILTER (WHERE channel <> 'direct') OVER (${P} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`,
  sumCaseWhole: `sum(CASE WHEN channel <> 'direct' THEN 1 ELSE 0 END) OVER (${P} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`,
  filterAfter: `count(*) FILTER (WHERE channel <> 'direct') OVER (${P} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)`,
  sumCaseAfter: `sum(CASE WHEN channel <> 'direct' THEN 1 ELSE 0 END) OVER (${P} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)`,
  sumCaseRunning: `sum(CASE WHEN channel <> 'direct' THEN 1 ELSE 0 END) OVER (${P} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`,
  sumNoOrder: `sum(CASE WHEN channel <> 'direct' THEN 1 ELSE 0 END) OVER (PARTITION BY customer_id, ends_at)`,
};
for (const [name, expr] of Object.entries(variants)) {
  const t = performance.now();
  await db.query(`SELECT sum(x) FROM (SELECT ${expr} AS x FROM w)`);
  console.log(name.padEnd(16), (performance.now() - t).toFixed(0), 'ms');
}
await db.close();
