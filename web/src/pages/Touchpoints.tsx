import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { MODELS, type Model } from '../../../src/modules/attribution/models.ts';
import { api } from '../api.ts';
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

const points = (share: number) => `${(share * 100).toFixed(1)} points`;

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
            {['channel', 'campaign', 'touchpoint', 'device', 'format'].map((option) => (
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
