import { createTestDatabase } from '../test/engines.ts';

const test = await createTestDatabase('duckdb');
const db = test.db;
const values = Array.from({ length: 5000 }, (_, i) => `anon-${i * 7919}`);
for (let r = 0; r < 4; r++) {
  let t = performance.now();
  await db.query('SELECT count(*) AS n FROM (SELECT unnest(CAST($1 AS TEXT[])) AS v) AS t', [values]);
  const a = performance.now() - t;
  t = performance.now();
  await db.query('SELECT count(*) AS n FROM (SELECT unnest(string_split($1, chr(1))) AS v) AS t', [
    values.join('\u0001'),
  ]);
  const b = performance.now() - t;
  console.log('list param', a.toFixed(1), 'ms; one string', b.toFixed(1), 'ms');
}
await test.drop();
