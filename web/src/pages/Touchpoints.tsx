import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { MODELS, type Model } from '../../../src/modules/attribution/models.ts';
import { api } from '../api.ts';
import { Chart, echarts, heatmap } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';

const HEADS: Record<Model, string> = {
  firstTouch: 'First',
  lastTouch: 'Last',
  lastNonDirect: 'Last non-direct',
  linear: 'Linear',
  timeDecay: 'Time decay',
  positionBased: 'Position',
  wShaped: 'W-shaped',
  markov: 'Markov',
  shapley: 'Shapley',
};

interface Report {
  conversions: number;
  lookbackDays: number;
  comparison: Array<{
    group: string;
    conversions: Partial<Record<Model, number>>;
    ranks: Partial<Record<Model, number>>;
    spread: number;
  }>;
  meanings: Record<Model, string>;
  notes: string[];
}
interface Experiments {
  experiments: Array<{
    experiment: string;
    arms: Array<{ arm: string; customers: number; converted: number; rate: number }>;
    lift: { lift: number; interval: { low: number; high: number } } | null;
    modelCredit: Partial<Record<Model, number>>;
    note: string | null;
  }>;
}

interface StageReport {
  by: string;
  transitions: Array<{
    from: string;
    to: string;
    report: Pick<Report, 'conversions' | 'lookbackDays' | 'meanings' | 'notes'> & {
      unattributed: { conversions: number };
      models: Partial<Record<Model, Record<string, { conversions: number }>>>;
    };
  }>;
}

const points = (share: number) => `${(share * 100).toFixed(1)} points`;
const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);
const GROUPINGS = ['channel', 'campaign', 'touchpoint', 'device', 'format'];

export default function Touchpoints() {
  const [by, setBy] = useState('channel');
  const { query } = useFilters();
  const path = `/api/attribution${query({ by, occurrence: 'first' }, ['from', 'to'])}`;
  const report = useQuery({ queryKey: [path], queryFn: () => api<Report>('GET', path) });
  const experiments = useQuery({
    queryKey: ['attribution', 'experiments'],
    queryFn: () => api<Experiments>('GET', '/api/attribution/experiments?occurrence=first'),
  });
  return (
    <section>
      <h2>Touchpoints</h2>
      <figure>
        <figcaption>
          Credit for first purchases under every model, by{' '}
          <select
            aria-label="Group touchpoints by"
            value={by}
            onChange={(event) => setBy(event.target.value)}
          >
            {GROUPINGS.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>{' '}
          (rank in brackets; * where models disagree by 3 places or more)
        </figcaption>
        <Loaded query={report} height={300}>
          {(data) => (
            <>
              <p>
                {data.conversions.toLocaleString('en-US')} conversions, {data.lookbackDays}-day lookback.
              </p>
              <table data-testid="attribution">
                <thead>
                  <tr>
                    <th>{by}</th>
                    {MODELS.map((model) => (
                      <th key={model} title={data.meanings[model]}>
                        {HEADS[model]}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.comparison.map((row) => (
                    <tr key={row.group}>
                      <td>
                        {row.spread >= 3 ? '* ' : ''}
                        {row.group}
                      </td>
                      {MODELS.map((model) => (
                        <td key={model}>
                          {row.conversions[model]?.toFixed(0) ?? '–'}{' '}
                          <small>({row.ranks[model] ?? '–'})</small>
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3>What each model measures</h3>
              <dl className="meanings">
                {MODELS.map((model) => (
                  <div key={model}>
                    <dt>{HEADS[model]}</dt>
                    <dd>{data.meanings[model]}</dd>
                  </div>
                ))}
              </dl>
              {data.notes.map((note) => (
                <p key={note} className="warning">
                  {note}
                </p>
              ))}
            </>
          )}
        </Loaded>
      </figure>
      <StageAttribution />
      <figure>
        <figcaption>Measured lift of experiments, beside what the models credit their campaign</figcaption>
        <Loaded query={experiments}>
          {(data) =>
            data.experiments.length === 0 ? (
              <p className="empty">
                No experiment yet: send Experiment Assigned events with properties experiment and group
                (exposed, holdout), or give customers a trait holding their arm.
              </p>
            ) : (
              <ul>
                {data.experiments.map((experiment) => (
                  <li key={experiment.experiment}>
                    <strong>{experiment.experiment}</strong>:{' '}
                    {experiment.arms
                      .map(
                        (arm) =>
                          `${arm.arm} ${arm.converted}/${arm.customers} (${(arm.rate * 100).toFixed(1)} %)`,
                      )
                      .join(', ')}
                    {experiment.lift
                      ? `; lift ${points(experiment.lift.lift)} (95 % from ${points(experiment.lift.interval.low)} to ${points(experiment.lift.interval.high)})`
                      : `; ${experiment.note}`}
                    {Object.keys(experiment.modelCredit).length > 0 &&
                      `; the models credit the campaign ${MODELS.filter(
                        (model) => experiment.modelCredit[model] !== undefined,
                      )
                        .map(
                          (model) =>
                            `${HEADS[model].toLowerCase()} ${experiment.modelCredit[model]!.toFixed(0)}`,
                        )
                        .join(', ')}`}
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </figure>
    </section>
  );
}

/**
 * Which touchpoints move customers on from each lifecycle stage to the next: a step's conversions are the
 * customers entering the next stage, credited to what they met after entering the stage before.
 */
function StageAttribution() {
  const [by, setBy] = useState('channel');
  const [model, setModel] = useState<Model>('markov');
  const { query } = useFilters();
  const path = `/api/attribution/stages${query({ by }, ['from', 'to'])}`;
  const stages = useQuery({ queryKey: [path], queryFn: () => api<StageReport>('GET', path) });
  return (
    <figure>
      <figcaption>
        What moves customers from one stage to the next, by{' '}
        <select aria-label="Group stage credit by" value={by} onChange={(event) => setBy(event.target.value)}>
          {GROUPINGS.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>{' '}
        under the{' '}
        <select
          aria-label="Attribution model for stage steps"
          value={model}
          onChange={(event) => setModel(event.target.value as Model)}
        >
          {MODELS.map((option) => (
            <option key={option} value={option}>
              {HEADS[option]}
            </option>
          ))}
        </select>{' '}
        model
      </figcaption>
      <Loaded query={stages} height={360}>
        {(data) => {
          const steps = data.transitions.map((transition) => {
            const credit = transition.report.models[model] ?? {};
            const total = Object.values(credit).reduce((sum, { conversions }) => sum + conversions, 0);
            return { ...transition, credit, total };
          });
          const groups = [...new Set(steps.flatMap((step) => Object.keys(step.credit)))]
            .map((group) => ({
              group,
              shares: steps.map((step) =>
                step.credit[group] && step.total > 0 ? step.credit[group].conversions / step.total : null,
              ),
            }))
            .sort(
              (a, b) =>
                b.shares.reduce<number>((sum, share) => sum + (share ?? 0), 0) -
                  a.shares.reduce<number>((sum, share) => sum + (share ?? 0), 0) ||
                a.group.localeCompare(b.group),
            );
          const first = data.transitions[0]?.report;
          return (
            <>
              <p>
                For each step, the customers who entered the next stage are the conversions, and the{' '}
                {data.by === 'channel' ? 'channels' : `${data.by}s`} they met since entering the stage before
                ({first?.lookbackDays ?? 30}-day lookback) share the credit. A cell is its share of the step’s
                credit, in %. {first?.meanings[model]}
              </p>
              {groups.length === 0 ? (
                <p className="empty">
                  {steps.every((step) => step.report.conversions === 0)
                    ? 'No customer moved on from one stage to the next in this period: widen the dates, or track the events that mark each stage (the taxonomy’s funnel signals).'
                    : `The ${HEADS[model]} model credits no ${data.by} with a step here: see the notes, or choose another model.`}
                </p>
              ) : (
                <>
                  <Chart
                    echarts={echarts}
                    style={{ height: 130 + 28 * groups.length }}
                    option={stepHeatmap(steps, groups)}
                  />
                  <details className="stage-credit">
                    <summary>The credit as a table (customers moved on, share of the step)</summary>
                    <table data-testid="stage-attribution">
                      <thead>
                        <tr>
                          <th>{data.by}</th>
                          {steps.map((step) => (
                            <th key={step.to}>
                              {step.from} → {step.to}
                            </th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {groups.map((row) => (
                          <tr key={row.group}>
                            <td>{row.group}</td>
                            {steps.map((step, index) => (
                              <td key={step.to}>
                                {step.credit[row.group]?.conversions.toFixed(1) ?? '–'}{' '}
                                <small>({percent(row.shares[index] ?? null)})</small>
                              </td>
                            ))}
                          </tr>
                        ))}
                      </tbody>
                      <tfoot>
                        <tr>
                          <th scope="row">Moved on (no touchpoint to credit)</th>
                          {steps.map((step) => (
                            <td key={step.to}>
                              {step.report.conversions.toLocaleString('en-US')}{' '}
                              <small>({step.report.unattributed.conversions.toLocaleString('en-US')})</small>
                            </td>
                          ))}
                        </tr>
                      </tfoot>
                    </table>
                  </details>
                </>
              )}
              {[...new Set(steps.flatMap((step) => step.report.notes))].map((note) => (
                <p key={note} className="warning">
                  {note}
                </p>
              ))}
            </>
          );
        }}
      </Loaded>
    </figure>
  );
}

/** Groups × steps, the most credited group at the top, every step named on two lines. */
function stepHeatmap(
  steps: Array<{ from: string; to: string }>,
  groups: Array<{ group: string; shares: Array<number | null> }>,
) {
  const topDown = [...groups].reverse();
  const option = heatmap(
    steps.map((step) => `${step.from} →\n${step.to}`),
    topDown.map((row) => row.group),
    topDown.map((row) => row.shares.map((share) => (share === null ? null : Math.round(share * 1000) / 10))),
    { left: 140 },
  );
  return {
    ...option,
    grid: { ...option.grid, bottom: 80 },
    xAxis: { ...option.xAxis, axisLabel: { interval: 0, lineHeight: 14 } },
  };
}
