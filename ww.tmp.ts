import { worldFiles, writeWorld } from './src/modules/demo-world/write-world.ts';

const [out, customers, shards] = process.argv.slice(2);
const t = performance.now();
const m = await writeWorld(
  worldFiles(out!),
  { seed: 7, customers: Number(customers) },
  {},
  shards ? Number(shards) : undefined,
);
console.log(m.realized.events, m.live.messages, ((performance.now() - t) / 1000).toFixed(1), 's');
