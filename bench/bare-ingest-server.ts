/**
 * The ceiling of the ingestion architecture for bench/ingest: a route that parses the same batches and
 * appends them as events, with no validation, identity resolution or classification.
 * Usage: node --import tsx bench/bare-ingest-server.ts  (DATABASE_URL or AGORA_DATA_DIR as for agora serve)
 */
import Fastify from 'fastify';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { createGroupWriter } from '../src/modules/ingestion/index.ts';
import { silentLogger } from '../src/platform/log.ts';

const deps = await createDeps(loadConfig(), { log: silentLogger });
const app = Fastify({ bodyLimit: 512 * 1024 });
const columns = [
  'workspace_id',
  'customer_id',
  'message_id',
  'type',
  'name',
  'occurred_at',
  'received_at',
  'anonymous_id',
  'properties',
];

// Group commit, as the tracking API does, so that the ceiling measures the same write pattern.
const writer = createGroupWriter<unknown[]>(async (_workspaceId, rows) => {
  await deps.db.append('events', columns, rows);
  return { refusals: [] };
});

app.post('/v1/batch', async (request) => {
  const { batch } = request.body as { batch: Array<Record<string, unknown>> };
  const receivedAt = new Date();
  await writer.write(
    1,
    batch.map((message) => [
      1,
      0,
      message.messageId,
      message.type,
      message.event,
      receivedAt,
      receivedAt,
      message.anonymousId,
      message.properties ?? {},
    ]),
  );
  return { success: true };
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(
  `listening at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`,
);
process.once('SIGTERM', async () => {
  await app.close();
  await deps.db.close();
  process.exit(0);
});
