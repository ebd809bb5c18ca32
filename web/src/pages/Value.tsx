import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { Chart, echarts, heatmap } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';

interface Clv {
  months: number;
  all: { customers: number; total: number; mean: number };
  notes: string[];
}
interface Rfm {
  customers: number;
  grid: number[][];
  segments: Array<{ segment: string; customers: number; monetary: number }>;
}
interface RiskEntry {
  customerId: number;
  spent: number;
  probabilityAlive: number;
  reasons: string[];
}
interface Risk {
  atRisk: { customers: number; list: RiskEntry[] };
  winBack: { customers: number; list: RiskEntry[] };
}
interface Economics {
  from: string;
  to: string;
  groups: Array<{ persona: string; statement: string }>;
}

const money = (value: number) => Math.round(value).toLocaleString('en-US');

export default function Value() {
  const { query } = useFilters();
  const clvPath = `/api/value/clv${query({}, ['segment'])}`;
  const economicsPath = `/api/value/economics${query({}, ['from', 'to'])}`;
  const clv = useQuery({ queryKey: [clvPath], queryFn: () => api<Clv>('GET', clvPath) });
  const rfm = useQuery({ queryKey: ['value', 'rfm'], queryFn: () => api<Rfm>('GET', '/api/value/rfm') });
  const risk = useQuery({
    queryKey: ['value', 'risk'],
    queryFn: () => api<Risk>('GET', '/api/value/risk?limit=10'),
  });
  const economics = useQuery({
    queryKey: [economicsPath],
    queryFn: () => api<Economics>('GET', economicsPath),
  });
  return (
    <section>
      <h2>Value</h2>
      <Loaded query={clv}>
        {(data) => (
          <div className="numbers">
            <div className="number">
              <span className="value" data-testid="Customers valued">
                {data.all.customers.toLocaleString('en-US')}
              </span>
              <span className="label">Customers valued</span>
            </div>
            <div className="number">
              <span className="value" data-testid="Value ahead">
                {money(data.all.total)}
              </span>
              <span className="label">Value over the next {data.months} months</span>
            </div>
            <div className="number">
              <span className="value">{money(data.all.mean)}</span>
              <span className="label">Per customer</span>
            </div>
          </div>
        )}
      </Loaded>
      <div className="charts">
        <figure>
          <figcaption>Customers by recency (R) and frequency (F) score, 5 the best</figcaption>
          <Loaded query={rfm} height={320}>
            {(data) => (
              <Chart
                echarts={echarts}
                style={{ height: 320 }}
                option={heatmap(['F1', 'F2', 'F3', 'F4', 'F5'], ['R1', 'R2', 'R3', 'R4', 'R5'], data.grid)}
              />
            )}
          </Loaded>
        </figure>
        <figure>
          <figcaption>Conquest or relations</figcaption>
          <Loaded query={economics}>
            {(data) => (
              <ul>
                {data.groups.map((group) => (
                  <li key={group.persona}>{group.statement}</li>
                ))}
              </ul>
            )}
          </Loaded>
        </figure>
      </div>
      <Loaded query={risk}>
        {(data) => (
          <div className="charts">
            <RiskTable title={`Slipping away (${data.atRisk.customers} in all)`} entries={data.atRisk.list} />
            <RiskTable title={`To win back (${data.winBack.customers} in all)`} entries={data.winBack.list} />
          </div>
        )}
      </Loaded>
    </section>
  );
}

function RiskTable({ title, entries }: { title: string; entries: RiskEntry[] }) {
  return (
    <figure>
      <figcaption>{title}</figcaption>
      {entries.length === 0 ? (
        <p className="empty">No one.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Customer</th>
              <th>Spent</th>
              <th>P(alive)</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.customerId}>
                <td>{entry.customerId}</td>
                <td>{money(entry.spent)}</td>
                <td>{entry.probabilityAlive.toFixed(2)}</td>
                <td>{entry.reasons.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
