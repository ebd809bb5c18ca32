import { openDuckDB } from './src/platform/db/duckdb/duckdb-database.ts';
import { migrate } from './src/platform/db/migrate.ts';
const CUSTOMERS = 1000000;
const CHANNELS = ['organic_search','paid_search','email','organic_social','paid_social','display','video','referral','affiliate','direct','sms','podcast'];
const channels = `[${CHANNELS.map((c) => `'${c}'`).join(', ')}]`;
const db = await openDuckDB('/tmp/attr1m.duckdb');
await migrate(db);
await db.exec(`INSERT INTO events (workspace_id, customer_id, message_id, type, name, occurred_at, received_at, channel, properties)
    SELECT 1, c, 'v-' || c || '-' || k, 'page', 'Page Viewed',
      TIMESTAMP '2026-01-01' + to_days(CAST(hash(c) % 300 AS INTEGER)) + to_hours(CAST(k * 24 + hash(c, k) % 12 AS INTEGER)),
      TIMESTAMP '2026-12-01', list_extract(${channels}, CAST(1 + hash(c, k, 'channel') % 12 AS INTEGER)), NULL
    FROM range(${CUSTOMERS}) t(c), range(8) v(k)
    WHERE k < 1 + hash(c, 'visits') % 8;
  INSERT INTO events (workspace_id, customer_id, message_id, type, name, occurred_at, received_at, channel, properties)
    SELECT 1, c, 'o-' || c, 'track', 'Order Completed',
      TIMESTAMP '2026-01-01' + to_days(CAST(hash(c) % 300 AS INTEGER)) + to_hours(CAST(8 * 24 AS INTEGER)),
      TIMESTAMP '2026-12-01', NULL, json_object('total', 20 + hash(c, 'total') % 200)
    FROM range(${CUSTOMERS}) t(c)
    WHERE hash(c, 'buys') % 100 < 30;`);
await db.close();
