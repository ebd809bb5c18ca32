import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptOf, refuse } from '../../../test/fixtures/passes.ts';
import { AppError } from '../errors/app-error.ts';
import { noWorkTime, tallyInto } from '../work-time.ts';
import { IdMask } from './id-mask.ts';
import { pass, startPassLanes } from './pass-lanes.ts';
import { sharedArray, sharedFrom } from './shared-arrays.ts';

const FIXTURE = new URL('../../../test/fixtures/passes.ts', import.meta.url).href;
const KEPT = pass(FIXTURE, keptOf);
const REFUSE = pass(FIXTURE, refuse);

describe('pass lanes', () => {
  const lanes = startPassLanes(2);
  beforeAll(() => lanes.ready);
  afterAll(() => lanes.close());
  // Ids 2 and 5 kept.
  const mask = new IdMask(sharedFrom(Uint8Array, [0, 0, 1, 0, 0, 1]));

  it('runs passes asked together on the two workers, each as it would run alone', async () => {
    const totals = [sharedArray(Int32Array, 1), sharedArray(Int32Array, 1)];
    const answers = await Promise.all([
      lanes.run(KEPT, mask, [1, 2, 5], totals[0]!, 100),
      lanes.run(KEPT, mask, [2, 3], totals[1]!, 100),
    ]);
    expect(answers.map(({ kept, onMainThread }) => ({ kept, onMainThread }))).toEqual([
      { kept: [2, 5], onMainThread: false },
      { kept: [2], onMainThread: false },
    ]);
    expect(answers[0]!.thread).not.toBe(answers[1]!.thread);
    expect([...totals[0]!, ...totals[1]!]).toEqual([7, 2]);
    expect(lanes.answered()).toBe(2);
  });

  it('counts each pass, its wait for a lane and its run on the worker, to the work that asked for it', async () => {
    const time = noWorkTime();
    // Two lanes take the first two passes (100 ms each); the third waits for one of them, then runs 100 ms.
    await tallyInto(time, () =>
      Promise.all([1, 2, 3].map(() => lanes.run(KEPT, mask, [5], sharedArray(Int32Array, 1), 100))),
    );
    expect(time.passes.count).toBe(3);
    expect(time.passes.waitMs).toBeGreaterThanOrEqual(95);
    expect(time.passes.ms).toBeGreaterThanOrEqual(395);
    expect(time.passes.runMs).toBeGreaterThanOrEqual(300);
    expect(time.passes.runMs).toBeLessThanOrEqual(time.passes.ms - time.passes.waitMs);
    expect(time.statements.count).toBe(0);
  });

  it('gives each pass to the first lane free, and keeps this thread free meanwhile', async () => {
    // Five passes asked at once: lane A takes the first (50 ms), lane B the second (120 ms); A is free at 50
    // ms and takes the third (50 ms), and at 100 ms the fourth (100 ms); B, free at 120 ms, the fifth.
    const asked = [50, 120, 50, 100, 100].map((ms) =>
      lanes.run(KEPT, mask, [5], sharedArray(Int32Array, 1), ms),
    );
    // What this thread is asked meanwhile (a kept answer, say) is not held up by the passes.
    const started = performance.now();
    const lateBy = await new Promise<number>((resolve) =>
      setTimeout(() => resolve(performance.now() - started - 20), 20),
    );
    const answers = await Promise.all(asked);
    const [a, b] = [answers[0]!.thread, answers[1]!.thread];
    expect(answers.map((answer) => answer.thread)).toEqual([a, b, a, a, b]);
    expect(answers.every((answer) => !answer.onMainThread)).toBe(true);
    expect(lateBy).toBeLessThan(15);
  });

  it('runs here a pass whose arrays would be copied, not shared', async () => {
    const large = new Int32Array(1 << 19);
    expect(await lanes.run(KEPT, mask, [5], large)).toMatchObject({ kept: [5], onMainThread: true });
    expect(large[0]).toBe(5);
  });

  it('gives the error a pass throws with its kind, as if it ran here', async () => {
    const refused = lanes.run(REFUSE, 'segments');
    await expect(refused).rejects.toThrow(AppError);
    await expect(refused).rejects.toThrow('No segments here.');
  });

  it('runs every pass here once its workers have stopped', async () => {
    const stopping = startPassLanes(1);
    await stopping.ready;
    await stopping.close();
    expect(await stopping.run(KEPT, mask, [2], sharedArray(Int32Array, 1))).toMatchObject({
      onMainThread: true,
    });
  });
});
