import { describe, expect, it } from 'vitest';
import { BEHAVIORS, type BehaviorGroup, type Coverage } from './behaviors.schema.ts';
import { recommend } from './compute-recommendations.ts';
import { DEFAULT_PLAYBOOK } from './default-playbook.ts';

const STRATEGIES = Object.entries(DEFAULT_PLAYBOOK).map(([id, strategy]) => ({
  id,
  origin: 'default' as const,
  ...strategy,
}));

/** A group whose behaviours have these indices, every one reached by 70 % at depth 70. */
const group = (indices: number[]): BehaviorGroup => ({
  key: 'all',
  activeCustomers: 100,
  behaviors: BEHAVIORS.map((behavior, i) => ({ behavior, index: indices[i]!, reach: 0.7, depth: 70 })),
  strongest: null,
  weakest: null,
});
const COVERAGE: Coverage = {
  asOf: new Date(0),
  windowDays: 90,
  mobileShare: 0.5,
  behaviors: BEHAVIORS.map((behavior) => ({
    behavior,
    events: [],
    coverage: 1,
    devices: {},
    channels: [],
    mobileShare: 0.5,
    finding: '',
  })),
};

describe('recommendations', () => {
  it('ranks by how far below its level each signal is, and explains the numbers', () => {
    // Index 20 for connect (need 0.6), 40 for collaborate (need 0.2); the rest at 80.
    const { organisation } = recommend(
      STRATEGIES,
      group([80, 80, 80, 20, 40]),
      [],
      COVERAGE,
      [],
      new Date(0),
    );
    expect(organisation.map((entry) => [entry.strategy.id, entry.need])).toEqual([['customer-stories', 0.6]]);
    expect(organisation[0]!.explanation).toBe(
      'Connect index is 20, below the 50 this strategy looks for: connecting is weak across active customers.',
    );
  });

  it('flags a portfolio where one behaviour carries more than half of the index', () => {
    const { portfolio } = recommend(STRATEGIES, group([90, 20, 10, 10, 10]), [], COVERAGE, [], new Date(0));
    expect(portfolio).toEqual([
      "access carries 64 % of the organisation's behaviour index: one behaviour is served, not five.",
    ]);
  });

  it('does not flag initiatives that work on several behaviours at once, nor ended ones', () => {
    const now = new Date('2026-04-01T00:00:00Z');
    const started = new Date('2026-03-01T00:00:00Z');
    const initiatives = [
      { behavior: 'connect' as const, startedAt: started, endedAt: null },
      { behavior: 'access' as const, startedAt: started, endedAt: null },
    ];
    // Access (index 40) and connect (20) are called for.
    const weak = group([40, 80, 80, 20, 80]);
    expect(recommend(STRATEGIES, weak, [], COVERAGE, initiatives, now).portfolio).toEqual([]);
    const oneAtATime = [
      { behavior: 'access' as const, startedAt: new Date('2026-01-01T00:00:00Z'), endedAt: started },
      { behavior: 'connect' as const, startedAt: started, endedAt: null },
    ];
    expect(recommend(STRATEGIES, weak, [], COVERAGE, oneAtATime, now).portfolio).toEqual([
      'The initiatives under way all work on connect, while access is called for too: serve the behaviours together, not one after another.',
    ]);
  });
});
