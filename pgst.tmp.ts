import { openPostgres } from './src/platform/db/postgres/postgres-database.ts';
import { AttributionQuerySchema } from './src/modules/attribution/attribution.schema.ts';
import { buildHeuristicSql, buildTransitionSql, buildChannelSetSql } from './src/modules/attribution/attribution-paths.query.ts';
const db = await openPostgres({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: 'attr4k' });
const [{ workspace_id }] = await db.query<{ workspace_id: number }>('SELECT workspace_id FROM workspaces');
for (const q of [{ occurrence: 'first' }, { conversion: 'stage:consideration', occurrence: 'first', fromStage: 'awareness' }]) {
  const query = { ...AttributionQuerySchema.parse(q), ...(q as object) } as never;
  for (const [name, build] of [['heur', buildHeuristicSql], ['markov', buildTransitionSql], ['sets', buildChannelSetSql]] as const) {
    const { sql, params } = build(workspace_id, query);
    const t = performance.now();
    await db.query(sql, params);
    console.log(JSON.stringify(q).slice(0, 40), name, (performance.now() - t).toFixed(0), 'ms');
  }
}
await db.close();
