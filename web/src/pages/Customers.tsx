import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError, api } from '../api.ts';
import { Loaded } from '../components/Loaded.tsx';

interface Profile {
  customerId: number;
  traits: Record<string, unknown>;
  firstSeenAt: string;
  identities: Array<{ kind: string; value: string; source: string }>;
  merges: Array<{ mergedCustomerId: number; reason: string; identity: string | null; mergedAt: string }>;
  accounts: Array<{ accountId: number; name: string | null; buyingRole: string | null }>;
}
interface Lifecycle {
  stage: string | null;
  lapsed: boolean;
  history: Array<{ stage: string; enteredAt: string; eventName: string; channel: string | null }>;
}
interface Events {
  events: Array<{
    messageId: string;
    name: string;
    occurredAt: string;
    channel: string | null;
    device: string | null;
  }>;
}
interface Value {
  clv: number;
  probabilityAlive: number;
  expectedPurchases: number;
  rfm: { r: number; f: number; m: number; segment: string };
}
interface CustomerPersona {
  run: { runId: number; fittedAt: string } | null;
  persona: { personaId: number; name: string; assignedAt: string } | null;
}
interface Behaviors {
  scores: Array<{ behavior: string; score: number; events: number }>;
}

const day = (time: string) => time.slice(0, 16).replace('T', ' ');

/** Search by any identity: an email, a user id, a handle — or kind:value. */
export default function Customers() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const search = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get('identity')).trim();
    const identity = /^[a-z]+:/.test(text) ? text : text.includes('@') ? `email:${text}` : `user:${text}`;
    try {
      const found = await api<Profile>('GET', `/api/customers?identity=${encodeURIComponent(identity)}`);
      navigate(`/customers/${found.customerId}`);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <section>
      <h2>Customers</h2>
      <form className="search" onSubmit={search}>
        <label>
          Find a customer by any identity
          <input name="identity" placeholder="ana@example.com, user-42, handle:instagram:@ana" required />
        </label>
        <button type="submit">Find</button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}

/** The customer 360: profile, identities and merges, account, persona, stages, value, behaviours, timeline. */
export function Customer() {
  const id = Number(useParams().customerId);
  const get = <T,>(path: string) => ({
    queryKey: ['customer', id, path],
    queryFn: () => api<T>('GET', path),
  });
  const profile = useQuery(get<Profile>(`/api/customers/${id}`));
  const lifecycle = useQuery(get<Lifecycle>(`/api/lifecycle/customers/${id}`));
  const events = useQuery(get<Events>(`/api/events?customerId=${id}&limit=100`));
  const value = useQuery(get<Value>(`/api/value/customers/${id}`));
  const behaviors = useQuery(get<Behaviors>(`/api/behaviors/customers/${id}`));
  const persona = useQuery(get<CustomerPersona>(`/api/personas/customers/${id}`));
  return (
    <section>
      <p>
        <Link to="/customers">← Customers</Link>
      </p>
      <h2>Customer {id}</h2>
      <div className="charts aligned">
        <figure>
          <figcaption>Profile</figcaption>
          <Loaded query={profile}>
            {(data) => (
              <>
                <p>First seen {day(data.firstSeenAt)}</p>
                <table>
                  <tbody>
                    {data.identities.map((identity) => (
                      <tr key={`${identity.kind}:${identity.value}`}>
                        <td>{identity.kind}</td>
                        <td data-testid="identity">{identity.value}</td>
                      </tr>
                    ))}
                    {Object.entries(data.traits).map(([trait, value]) => (
                      <tr key={trait}>
                        <td>{trait}</td>
                        <td>{String(value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {data.accounts.map((account) => (
                  <p key={account.accountId}>
                    Account {account.name ?? account.accountId}
                    {account.buyingRole ? `, as ${account.buyingRole.replace('_', ' ')}` : ''}
                  </p>
                ))}
                {data.merges.map((merge) => (
                  <p key={merge.mergedCustomerId}>
                    Merged with customer {merge.mergedCustomerId}: {merge.reason}
                    {merge.identity ? ` (${merge.identity})` : ''}
                  </p>
                ))}
              </>
            )}
          </Loaded>
        </figure>
        <figure>
          <figcaption>Persona</figcaption>
          <Loaded query={persona}>
            {(data) =>
              data.run === null ? (
                <p className="empty">
                  No personas yet: find them on the <Link to="/personas">Personas page</Link>.
                </p>
              ) : data.persona === null ? (
                <p className="empty">
                  In no persona: too few touchpoints to place this customer. See the{' '}
                  <Link to="/personas">Personas page</Link>.
                </p>
              ) : (
                <p>
                  Belongs to{' '}
                  <Link to={`/personas#persona-${data.persona.personaId}`} data-testid="persona">
                    {data.persona.name}
                  </Link>{' '}
                  (placed {day(data.persona.assignedAt)}).
                </p>
              )
            }
          </Loaded>
        </figure>
        <figure>
          <figcaption>Lifecycle</figcaption>
          <Loaded query={lifecycle}>
            {(data) => (
              <>
                <p>
                  Now: <strong data-testid="stage">{data.stage ?? 'not in the funnel'}</strong>
                  {data.lapsed ? ' (lapsed)' : ''}
                </p>
                <ol>
                  {data.history.map((entry) => (
                    <li key={entry.stage}>
                      {entry.stage}: {day(entry.enteredAt)}, {entry.eventName}
                      {entry.channel ? ` via ${entry.channel}` : ''}
                    </li>
                  ))}
                </ol>
              </>
            )}
          </Loaded>
        </figure>
        <figure>
          <figcaption>Value and risk</figcaption>
          {value.isError && value.error instanceof ApiError && value.error.status === 404 ? (
            <p className="empty">{value.error.message}</p>
          ) : (
            <Loaded query={value}>
              {(data) => (
                <p>
                  Worth {Math.round(data.clv).toLocaleString('en-US')} ahead; chance still a customer{' '}
                  {data.probabilityAlive.toFixed(2)}; {data.expectedPurchases.toFixed(1)} purchases expected.
                  RFM {data.rfm.r}
                  {data.rfm.f}
                  {data.rfm.m} ({data.rfm.segment.replace('_', ' ')}).
                </p>
              )}
            </Loaded>
          )}
        </figure>
        <figure>
          <figcaption>Behaviours (0–100)</figcaption>
          <Loaded query={behaviors}>
            {(data) => (
              <table>
                <tbody>
                  {data.scores.map((score) => (
                    <tr key={score.behavior}>
                      <td>{score.behavior}</td>
                      <td>{score.score.toFixed(0)}</td>
                      <td>{score.events} events</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Loaded>
        </figure>
      </div>
      <h3>Timeline</h3>
      <Loaded query={events}>
        {(data) => (
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Touchpoint</th>
                <th>Channel</th>
                <th>Device</th>
              </tr>
            </thead>
            <tbody>
              {data.events.map((event) => (
                <tr key={event.messageId}>
                  <td>{day(event.occurredAt)}</td>
                  <td>{event.name}</td>
                  <td>{event.channel ?? ''}</td>
                  <td>{event.device ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}
