import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
import { buildHeuristicSql } from './src/modules/attribution/attribution-paths.query.ts';
import { AttributionQuerySchema } from './src/modules/attribution/attribution.schema.ts';
const db = await openDuckDB('/tmp/attr1m.duckdb');
const built = buildHeuristicSql(1, AttributionQuerySchema.parse({}));
let sql = built.sql; built.params.forEach((p, i) => { sql = sql.replaceAll(`$${i + 1}`, typeof p === 'number' ? String(p) : `'${p}'`); });
const head = sql.slice(0, sql.indexOf(',\n  positioned AS ('));
let t = performance.now();
await db.exec(`CREATE OR REPLACE TEMP TABLE windowed_t AS ${head} SELECT * FROM windowed`);
console.log('materialize', (performance.now() - t).toFixed(0));
const pos = sql.slice(sql.indexOf('positioned AS ('), sql.indexOf('  credited AS (')).replace(/,\s*$/, '').replaceAll('FROM windowed w', 'FROM windowed_t w');
const W = 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING';
t = performance.now();
await db.query(`WITH ${pos} SELECT sum(pos), sum(n), sum(non_direct), sum(non_direct_after), sum(by_preference), sum(decay_sum) FROM positioned`);
console.log('positioned on table', (performance.now() - t).toFixed(0));
for (const expr of ['row_number() OVER p', `count(*) OVER (p ${W})`, `count(*) FILTER (WHERE channel <> 'direct') OVER (p ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)`, `count(*) FILTER (WHERE moment <= preference_at) OVER (p ${W})`, `sum(decay) OVER (p ${W})`]) {
  t = performance.now();
  await db.query(`SELECT sum(x) FROM (SELECT ${expr} AS x FROM (SELECT w.*, l.preference_at, 0.5 AS decay FROM windowed_t w LEFT JOIN customer_lifecycle l ON l.workspace_id = 1 AND l.customer_id = w.customer_id WHERE w.converted_at IS NOT NULL) w WINDOW p AS (PARTITION BY customer_id, ends_at ORDER BY moment, channel, grp))`);
  console.log(expr.slice(0, 60).padEnd(62), (performance.now() - t).toFixed(0));
}
await db.close();
