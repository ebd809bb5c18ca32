import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
const db = await openDuckDB('/tmp/attr1m.duckdb');
const db2 = db;
await db.exec(`CREATE OR REPLACE TEMP TABLE wt AS SELECT * FROM (SELECT customer_id, occurred_at AS moment, channel, channel AS grp, NULL::TIMESTAMP AS converted_at FROM events LIMIT 0)`);
// re-create windowed_t quickly
const W = 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING';
const A = 'ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING';
const exprs = [`row_number() OVER p`, `count(*) OVER (p ${W})`, `count(*) FILTER (WHERE channel <> 'direct') OVER (p ${W})`, `count(*) FILTER (WHERE channel <> 'direct') OVER (p ${A})`, `count(*) FILTER (WHERE moment <= preference_at) OVER (p ${W})`, `sum(decay) OVER (p ${W})`];
await db.exec(`CREATE OR REPLACE TEMP TABLE src AS SELECT w.*, CAST(NULL AS TIMESTAMP) AS preference_at, power(0.5, (epoch(w.ends_at) - epoch(w.moment)) / 604800.0) AS decay FROM (SELECT customer_id, occurred_at AS moment, channel, channel AS grp, TIMESTAMP '2026-01-01' + to_days(CAST(hash(customer_id) % 300 AS INTEGER)) + INTERVAL 8 DAY AS ends_at FROM events WHERE channel IS NOT NULL AND hash(customer_id, 'buys') % 100 < 30) w`);
exprs[5] = `sum(decay) OVER (PARTITION BY customer_id, ends_at)`;
for (let i = 0; i < 1; i++) for (let j = 5; j < exprs.length; j++) {
  const t = performance.now();
  await db.query(`SELECT sum(a), sum(b) FROM (SELECT ${exprs[i]} AS a, ${exprs[j]} AS b FROM src WINDOW p AS (PARTITION BY customer_id, ends_at ORDER BY moment, channel, grp))`);
  console.log(i, j, (performance.now() - t).toFixed(0));
}
await db.close();
