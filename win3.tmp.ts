import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
import { buildHeuristicSql } from './src/modules/attribution/attribution-paths.query.ts';
import { AttributionQuerySchema } from './src/modules/attribution/attribution.schema.ts';
const db = await openDuckDB('/tmp/attr1m.duckdb');
const built = buildHeuristicSql(1, AttributionQuerySchema.parse({}));
let sql = built.sql; built.params.forEach((p, i) => { sql = sql.replaceAll(`$${i + 1}`, typeof p === 'number' ? String(p) : `'${p}'`); });
const ctes = sql.slice(0, sql.indexOf('  credited AS ('));
const tries: Record<string, string> = {
  windowed: `${ctes.replace(/,\s*positioned AS \([\s\S]*$/, '')} SELECT count(*), max(ends_at) FROM windowed`,
  positioned: `${ctes.replace(/,\s*$/, '')} SELECT sum(pos), sum(n), sum(non_direct), sum(non_direct_after), sum(by_preference), sum(decay_sum) FROM positioned`,
  materialized: `${ctes.replace(/,\s*positioned AS \([\s\S]*$/, '').replace('windowed AS (', 'windowed AS MATERIALIZED (')}, ${ctes.slice(ctes.indexOf('positioned AS ('))} `.replace(/,\s*$/, '') + ` SELECT sum(pos), sum(n), sum(non_direct), sum(non_direct_after), sum(by_preference), sum(decay_sum) FROM positioned`,
};
for (const [name, text] of Object.entries(tries)) {
  const t = performance.now();
  try { await db.query(text); console.log(name, (performance.now() - t).toFixed(0), 'ms'); } catch (e) { console.log(name, String((e as any).cause ?? e).slice(0, 300)); }
}
await db.close();
