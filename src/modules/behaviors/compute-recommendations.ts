/**
 * Ranking the playbook for an organisation and each persona: a strategy is called for while its signal's
 * metric is below the level it names, and ranks by how far below (need = (level − value) / level). The
 * portfolio is flagged when one behaviour carries most of the index, or when the initiatives under way work
 * on one behaviour while others are called for: the five grow together when served at once.
 */
import type {
  BehaviorGroup,
  Coverage,
  Initiative,
  Metric,
  Recommendations,
  Strategy,
} from './behaviors.schema.ts';

type Recommendation = Recommendations['organisation'][number];

/** How many strategies are recommended per group. */
const TOP = 5;
/** One behaviour holding more than this share of the summed index carries everything. */
const CARRYING = 0.5;

const LABELS: Record<Metric, string> = {
  index: 'index',
  reach: 'reach (share of active customers showing it)',
  depth: 'depth (score of those who show it)',
  mobileShare: 'share on mobile phones',
  coverage: 'coverage (share of its touchpoints that happen at all)',
};

const shown = (metric: Metric, value: number) =>
  metric === 'index' || metric === 'depth' ? value.toFixed(0) : `${Math.round(value * 100)} %`;

export function rank(
  strategies: readonly Strategy[],
  group: BehaviorGroup,
  coverage: Coverage,
): Recommendation[] {
  return strategies
    .map((strategy) => {
      const { metric, below, why } = strategy.signal;
      const value =
        metric === 'coverage' || metric === 'mobileShare'
          ? coverage.behaviors.find((entry) => entry.behavior === strategy.behavior)![metric]
          : group.behaviors.find((entry) => entry.behavior === strategy.behavior)![metric];
      const need = value < below ? (below - value) / below : 0;
      const explanation = `${strategy.behavior[0]!.toUpperCase()}${strategy.behavior.slice(1)} ${LABELS[metric]} is ${shown(metric, value)}, below the ${shown(metric, below)} this strategy looks for: ${why}.`;
      return { strategy, need, value, explanation };
    })
    .filter((recommendation) => recommendation.need > 0)
    .sort((a, b) => b.need - a.need || a.strategy.id.localeCompare(b.strategy.id))
    .slice(0, TOP);
}

export function recommend(
  strategies: readonly Strategy[],
  organisation: BehaviorGroup,
  personas: readonly BehaviorGroup[],
  coverage: Coverage,
  initiatives: ReadonlyArray<Pick<Initiative, 'behavior' | 'startedAt' | 'endedAt'>>,
  now: Date,
): Omit<Recommendations, 'asOf'> {
  const forOrganisation = rank(strategies, organisation, coverage);
  const portfolio: string[] = [];
  const total = organisation.behaviors.reduce((sum, entry) => sum + entry.index, 0);
  const top = [...organisation.behaviors].sort((a, b) => b.index - a.index)[0]!;
  if (total > 0 && top.index / total > CARRYING)
    portfolio.push(
      `${top.behavior} carries ${Math.round((100 * top.index) / total)} % of the organisation's behaviour index: one behaviour is served, not five.`,
    );
  const underWay = new Set(
    initiatives
      .filter(
        (initiative) => initiative.startedAt <= now && (!initiative.endedAt || initiative.endedAt > now),
      )
      .map((initiative) => initiative.behavior),
  );
  const called = new Set(forOrganisation.map((recommendation) => recommendation.strategy.behavior));
  const left = [...called].filter((behavior) => !underWay.has(behavior));
  if (underWay.size === 1 && left.length > 0)
    portfolio.push(
      `The initiatives under way all work on ${[...underWay][0]}, while ${left.join(', ')} ${left.length > 1 ? 'are' : 'is'} called for too: serve the behaviours together, not one after another.`,
    );
  return {
    organisation: forOrganisation,
    personas: personas.map((persona) => ({
      key: persona.key,
      recommendations: rank(strategies, persona, coverage),
    })),
    portfolio,
  };
}
