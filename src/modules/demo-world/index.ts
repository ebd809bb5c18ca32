// The demo world: a simulated customer network with planted ground truth (docs/demo-world.md), loaded
// through Agora's own ingestion paths.
export { DEFAULT_DEMO, demoCommand, loadDemoInto } from './demo.command.ts';
export type { DemoOptions, Manifest } from './write-world.ts';
