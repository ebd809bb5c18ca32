import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
import { buildHeuristicSql, buildTransitionSql, buildChannelSetSql } from './src/modules/attribution/attribution-paths.query.ts';
import { AttributionQuerySchema } from './src/modules/attribution/attribution.schema.ts';
const db = await openDuckDB('/tmp/attr1m.duckdb');
const query = AttributionQuerySchema.parse({});
const which = process.argv[2] ?? 'heuristic';
const built = which === 'heuristic' ? buildHeuristicSql(1, query) : which === 'markov' ? buildTransitionSql(1, query) : buildChannelSetSql(1, query);
let sql = built.sql; built.params.forEach((p, i) => { sql = sql.replaceAll(`$${i + 1}`, typeof p === 'number' ? String(p) : `'${p}'`); });
if (process.argv[3] === 'explain') {
  const rows = await db.query<{ explain_value: string }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
  console.log(Object.values(rows[0]!).join('\n'));
} else { const t = performance.now(); await db.query(sql); console.log(which, (performance.now() - t).toFixed(0), 'ms'); }
await db.close();
