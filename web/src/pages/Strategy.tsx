import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { Chart, echarts } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';

interface Group {
  key: string;
  activeCustomers: number;
  behaviors: Array<{ behavior: string; index: number; reach: number; depth: number }>;
  strongest: string | null;
  weakest: string | null;
}
interface Report {
  organisation: Group;
  groups: Group[];
  windowDays: number;
}
interface Coverage {
  behaviors: Array<{ behavior: string; finding: string }>;
}
interface Advice {
  organisation: Array<{ strategy: { id: string; title: string; behavior: string }; explanation: string }>;
  portfolio: string[];
}
interface Initiatives {
  initiatives: Array<{
    initiativeId: number;
    strategyId: string;
    behavior: string;
    kpi: { metric: string };
    before: number | null;
    after: number | null;
  }>;
}

export default function Strategy() {
  const { query } = useFilters();
  const path = `/api/behaviors${query({}, ['segment'])}`;
  const report = useQuery({ queryKey: [path], queryFn: () => api<Report>('GET', path) });
  const coverage = useQuery({
    queryKey: ['behaviors', 'coverage'],
    queryFn: () => api<Coverage>('GET', '/api/behaviors/coverage'),
  });
  const advice = useQuery({
    queryKey: ['behaviors', 'recommendations'],
    queryFn: () => api<Advice>('GET', '/api/behaviors/recommendations'),
  });
  const initiatives = useQuery({
    queryKey: ['behaviors', 'initiatives'],
    queryFn: () => api<Initiatives>('GET', '/api/behaviors/initiatives'),
  });
  return (
    <section>
      <h2>Strategy</h2>
      <figure>
        <figcaption>The five behaviours by persona: index of active customers (0–100)</figcaption>
        <Loaded query={report} height={360}>
          {(data) => {
            const groups = [data.organisation, ...data.groups];
            return (
              <Chart
                echarts={echarts}
                style={{ height: 360 }}
                option={{
                  tooltip: {},
                  legend: { type: 'scroll', bottom: 0 },
                  radar: {
                    indicator: data.organisation.behaviors.map((entry) => ({
                      name: entry.behavior,
                      max: 100,
                    })),
                  },
                  series: [
                    {
                      type: 'radar',
                      data: groups.map((group) => ({
                        name: group.key === 'all' ? 'organisation' : group.key,
                        value: group.behaviors.map((entry) => Math.round(entry.index)),
                      })),
                    },
                  ],
                }}
              />
            );
          }}
        </Loaded>
      </figure>
      <h3>What the numbers call for</h3>
      <Loaded query={advice}>
        {(data) =>
          data.organisation.length === 0 ? (
            <p className="empty">Every behaviour is above the levels the playbook looks for.</p>
          ) : (
            <>
              <ol className="recommendations">
                {data.organisation.map((entry) => (
                  <li key={entry.strategy.id}>
                    <strong>{entry.strategy.title}</strong> ({entry.strategy.behavior}): {entry.explanation}
                  </li>
                ))}
              </ol>
              {data.portfolio.map((warning) => (
                <p key={warning} className="warning">
                  {warning}
                </p>
              ))}
            </>
          )
        }
      </Loaded>
      <h3>Coverage of the offer</h3>
      <Loaded query={coverage}>
        {(data) => (
          <ul>
            {data.behaviors.map((entry) => (
              <li key={entry.behavior}>{entry.finding}</li>
            ))}
          </ul>
        )}
      </Loaded>
      <h3>Tracked initiatives</h3>
      <Loaded query={initiatives}>
        {(data) =>
          data.initiatives.length === 0 ? (
            <p className="empty">
              No initiative is tracked yet: choose a strategy and track it (agora behaviors track ID, or POST
              /api/behaviors/initiatives).
            </p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Strategy</th>
                  <th>KPI</th>
                  <th>Before</th>
                  <th>Since</th>
                </tr>
              </thead>
              <tbody>
                {data.initiatives.map((entry) => (
                  <tr key={entry.initiativeId}>
                    <td>{entry.strategyId}</td>
                    <td>
                      {entry.behavior} {entry.kpi.metric}
                    </td>
                    <td>{entry.before?.toFixed(2) ?? '–'}</td>
                    <td>{entry.after?.toFixed(2) ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
