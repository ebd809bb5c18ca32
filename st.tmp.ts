import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
import { StageAttributionQuerySchema } from './src/modules/attribution/attribution.schema.ts';
import { createAttributionService } from './src/modules/attribution/attribution.service.ts';
const db = await openDuckDB(process.argv[2]!);
const lifecycle = { ensureRefreshed: async () => ({}) } as never;
const service = createAttributionService({ db, lifecycle });
const t = performance.now();
const report = await service.stageTransitions(1, StageAttributionQuerySchema.parse(JSON.parse(process.argv[3] ?? '{}')));
console.log(((performance.now() - t) / 1000).toFixed(1), 's');
for (const tr of report.transitions) {
  console.log(`\n${tr.from} → ${tr.to}: ${tr.report.paths.converting} converting, ${tr.report.paths.nonConverting} not; unattributed ${tr.report.unattributed.conversions}`);
  console.table(tr.report.comparison.map((row) => ({ group: row.group, ...Object.fromEntries(Object.entries(row.conversions).filter(([k]) => ['lastTouch','linear','markov','shapley'].includes(k)).map(([k, v]) => [k, Math.round(v as number)])) })));
}
await db.close();
