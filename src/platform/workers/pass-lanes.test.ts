import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptOf, refuse } from '../../../test/fixtures/passes.ts';
import { AppError } from '../errors/app-error.ts';
import { IdMask } from './id-mask.ts';
import { pass, startPassLanes } from './pass-lanes.ts';
import { sharedArray, sharedFrom } from './shared-arrays.ts';

const FIXTURE = new URL('../../../test/fixtures/passes.ts', import.meta.url).href;
const KEPT = pass(FIXTURE, keptOf);
const REFUSE = pass(FIXTURE, refuse);

describe('pass lanes', () => {
  const lanes = startPassLanes();
  beforeAll(() => lanes.ready);
  afterAll(() => lanes.close());
  // Ids 2 and 5 kept.
  const mask = new IdMask(sharedFrom(Uint8Array, [0, 0, 1, 0, 0, 1]));

  it('runs one pass on the worker and the next, asked meanwhile, here; each as it would run alone', async () => {
    const totals = [sharedArray(Int32Array, 1), sharedArray(Int32Array, 1)];
    const [there, here] = await Promise.all([
      lanes.run(KEPT, mask, [1, 2, 5], totals[0]!, 300),
      lanes.run(KEPT, mask, [2, 3], totals[1]!),
    ]);
    expect(there).toEqual({ kept: [2, 5], onMainThread: false });
    expect(here).toEqual({ kept: [2], onMainThread: true });
    expect([...totals[0]!, ...totals[1]!]).toEqual([7, 2]);
    expect(lanes.answered()).toBe(1);
  });

  it('shares passes asked together between the lanes: the worker takes the next when it has answered', async () => {
    // Five passes asked at once: the worker takes the first (50 ms), this thread the second (100 ms); by then
    // the worker has answered, and takes the third (50 ms), this thread the fourth; the fifth comes 50 ms
    // after the worker answered the third.
    const asked = [50, 100, 50, 100, 100].map((ms) =>
      lanes.run(KEPT, mask, [5], sharedArray(Int32Array, 1), ms),
    );
    const where = (await Promise.all(asked)).map((answer) => (answer.onMainThread ? 'here' : 'worker'));
    expect(where).toEqual(['worker', 'here', 'worker', 'here', 'worker']);
  });

  it('runs here a pass whose arrays would be copied, not shared', async () => {
    const large = new Int32Array(1 << 19);
    expect(await lanes.run(KEPT, mask, [5], large)).toEqual({ kept: [5], onMainThread: true });
    expect(large[0]).toBe(5);
  });

  it('gives the error a pass throws with its kind, as if it ran here', async () => {
    const refused = lanes.run(REFUSE, 'segments');
    await expect(refused).rejects.toThrow(AppError);
    await expect(refused).rejects.toThrow('No segments here.');
  });
});
