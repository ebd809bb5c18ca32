import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
import { ExperimentQuerySchema } from './src/modules/attribution/attribution.schema.ts';
import { createAttributionService } from './src/modules/attribution/attribution.service.ts';
const db = await openDuckDB(process.argv[2]!);
const lifecycle = { ensureRefreshed: async () => ({}) } as never;
const service = createAttributionService({ db, lifecycle });
console.log(JSON.stringify(await service.experiments(1, ExperimentQuerySchema.parse({ occurrence: 'first' })), null, 1));
await db.close();
