import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
const db = await openDuckDB('/tmp/attr1m.duckdb');
await db.exec(`CREATE OR REPLACE TEMP TABLE src AS SELECT w.*, power(0.5, (epoch(w.ends_at) - epoch(w.moment)) / 604800.0) AS decay FROM (SELECT customer_id, occurred_at AS moment, channel, channel AS grp, TIMESTAMP '2026-01-01' + to_days(CAST(hash(customer_id) % 300 AS INTEGER)) + INTERVAL 8 DAY AS ends_at FROM events WHERE channel IS NOT NULL AND hash(customer_id, 'buys') % 100 < 30) w`);
for (const agg of ['sum(decay)', 'avg(decay)', 'count(*)', 'max(decay)', 'sum(CAST(decay * 1e9 AS BIGINT))']) {
  const t = performance.now();
  await db.query(`SELECT sum(a), sum(b) FROM (SELECT row_number() OVER p AS a, ${agg} OVER (p ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS b FROM src WINDOW p AS (PARTITION BY customer_id, ends_at ORDER BY moment, channel, grp))`);
  console.log(agg.padEnd(34), (performance.now() - t).toFixed(0));
}
await db.close();
