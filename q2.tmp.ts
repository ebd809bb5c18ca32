import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
const db = await openDuckDB(':memory:');
await db.exec("CREATE TABLE e (workspace_id BIGINT, channel TEXT, properties JSON); INSERT INTO e VALUES (1, 'x', '{\"a\":1}'), (1, 'y', NULL)");
try { console.log(await db.query("SELECT 1 AS found FROM e WHERE workspace_id = $1 AND channel IS NOT NULL AND properties ->> 'colour' IS NOT NULL LIMIT 1", [1])); } catch (e) { console.log(String(e.cause ?? e)); }
try { console.log(await db.query("SELECT 1 AS found FROM e WHERE workspace_id = 1 AND channel IS NOT NULL AND properties ->> 'colour' IS NOT NULL LIMIT 1")); } catch (e) { console.log(String(e.cause ?? e)); }
