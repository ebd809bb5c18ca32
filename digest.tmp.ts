import { createHash } from 'node:crypto';
import { emptyTally, simulateWorld } from './src/modules/demo-world/simulate.ts';

const tally = emptyTally();
const hash = createHash('sha256');
for (const m of simulateWorld({ seed: 7, customers: 3000 }, tally)) hash.update(JSON.stringify(m));
console.log(
  hash.digest('hex'),
  tally.events,
  JSON.stringify(tally.lifecycle.summary()).length,
  tally.customers.length,
);
