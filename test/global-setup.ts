/** Says once, before the tests, which storage engines they run on and how to add PostgreSQL. */
import pg from 'pg';

export default async function setup(): Promise<void> {
  const url = process.env.AGORA_TEST_DATABASE_URL;
  if (!url) {
    console.log(
      '\nPostgreSQL suite skipped: the tests run on DuckDB only. To run them on PostgreSQL too, set\n' +
        '  AGORA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test\n',
    );
    return;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `AGORA_TEST_DATABASE_URL is set but PostgreSQL does not answer there (${(error as Error).message}). ` +
        'Start PostgreSQL or unset the variable to test on DuckDB only.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  console.log('\nTests run on DuckDB and on PostgreSQL.\n');
}
