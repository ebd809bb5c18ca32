import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
const db = await openDuckDB('/tmp/attr1m.duckdb');
await db.exec(`CREATE OR REPLACE TEMP TABLE w AS SELECT customer_id, occurred_at AS moment, channel, channel AS grp, TIMESTAMP '2027-01-01' AS ends_at, occurred_at - INTERVAL 1 DAY AS preference_at, 0.5 AS decay FROM events WHERE channel IS NOT NULL AND customer_id % 100 < 30`);
const W = 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING';
const A = 'ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING';
const all = [
  `row_number() OVER p`,
  `count(*) OVER (p ${W})`,
  `count(*) FILTER (WHERE channel <> 'direct') OVER (p ${W})`,
  `count(*) FILTER (WHERE channel <> 'direct') OVER (p ${A})`,
  `count(*) FILTER (WHERE moment <= preference_at) OVER (p ${W})`,
  `sum(decay) OVER (p ${W})`,
];
for (let k = 1; k <= all.length; k++) {
  const exprs = all.slice(0, k).map((e, i) => `${e} AS x${i}`).join(', ');
  const t = performance.now();
  await db.query(`SELECT ${all.slice(0, k).map((_, i) => `sum(x${i})`).join(", ")} FROM (SELECT ${exprs} FROM w WINDOW p AS (PARTITION BY customer_id, ends_at ORDER BY moment, channel, grp))`);
  console.log(k, (performance.now() - t).toFixed(0), 'ms');
}
await db.close();
