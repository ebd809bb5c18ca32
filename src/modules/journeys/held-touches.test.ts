import { describe, expect, it } from 'vitest';
import { STEP_SEPARATOR } from './compute-journey-paths.ts';
import { type HeldTouches, walkPaths } from './held-touches.ts';
import { PathQuerySchema } from './journeys.schema.ts';

/** One customer's touchpoints, an hour apart, named by index into forty names. */
function heldOf(names: number[]): HeldTouches {
  const nameTexts = Array.from({ length: 40 }, (_, i) => `Event ${String(i).padStart(2, '0')}`);
  return {
    customers: Int32Array.of(7),
    starts: Int32Array.of(0, names.length),
    at: Float64Array.from(names, (_, i) => i * 3600),
    names: Uint16Array.from(names),
    channels: new Uint16Array(names.length),
    nameTexts,
    channelTexts: ['(none)'],
    anchors: new Map(),
  };
}

describe('walking held touchpoints', () => {
  // 41 ** 10 is beyond a double's whole numbers: the paths are counted under text keys instead.
  it('follows ten steps among forty names, and a path to the anchor keeps its last steps in order', () => {
    const held = heldOf([3, 39, 39, 0, 12, 5, 6, 7, 8, 9, 10, 11, 13]);
    const path = (query: object) => [...walkPaths(held, PathQuerySchema.parse(query), null)];
    const names = (...indexes: number[]) =>
      indexes.map((i) => `Event ${String(i).padStart(2, '0')}`).join(STEP_SEPARATOR);
    expect(path({ start: 'Event 39', depth: 10 })).toEqual([[names(39, 0, 12, 5, 6, 7, 8, 9, 10, 11), 1]]);
    expect(path({ end: 'Event 11', depth: 10 })).toEqual([[names(39, 0, 12, 5, 6, 7, 8, 9, 10, 11), 1]]);
    expect(path({ end: 'Event 06', depth: 3 })).toEqual([[names(12, 5, 6), 1]]);
    expect(path({ start: 'Event 03', depth: 3, ignore: 'Event 39' })).toEqual([[names(3, 0, 12), 1]]);
  });
});
