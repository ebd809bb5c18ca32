import { worldFiles, writeWorld } from './src/modules/demo-world/write-world.ts';

const m = await writeWorld(worldFiles('/tmp/ww/old.ndjson'), { seed: 7, customers: 3000 });
console.log(m.realized.events);
