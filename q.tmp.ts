import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
const db = await openDuckDB(process.argv[2]!);
for (const sql of process.argv.slice(3)) console.table(await db.query(sql));
await db.close();
