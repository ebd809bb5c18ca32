// Starts a worker thread on a TypeScript module: tsx compiles it on load, as bin/agora.js does for the
// main thread (a worker does not inherit the main thread's loader). workerData.entry is the module's URL.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
