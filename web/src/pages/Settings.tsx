import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { Loaded } from '../components/Loaded.tsx';
import { ChannelRules } from './settings/ChannelRules.tsx';
import { StageRules } from './settings/StageRules.tsx';
import { Workspaces } from './settings/Workspaces.tsx';

interface Key {
  keyId: string;
  kind: string;
  name: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
}
interface User {
  userId: number;
  email: string;
  role: string;
}
interface Rule {
  eventName: string;
  occurrence: string;
  behavior: string | null;
  funnelSignal: string | null;
  microMoment: string | null;
}

const BEHAVIORS = ['access', 'engage', 'customize', 'connect', 'collaborate'];

/** How a site or a server sends events with a new write key: analytics.js and @segment/analytics-node. */
const snippet = (key: string) => `// In the browser (analytics.js, pointed at Agora):
analytics.load("${key}", { integrations: { "Segment.io": { apiHost: "${location.host}/v1", protocol: "${location.protocol.replace(':', '')}" } } });

// On a server (@segment/analytics-node):
import { Analytics } from "@segment/analytics-node";
const analytics = new Analytics({ writeKey: "${key}", host: "${location.origin}", path: "/v1/batch" });
analytics.track({ userId: "user-42", event: "Order Completed", properties: { total: 120 } });`;

export default function Settings() {
  return (
    <section>
      <h2>Settings</h2>
      <Workspaces />
      <WriteKeys />
      <Users />
      <StageRules />
      <ChannelRules />
      <Taxonomy />
    </section>
  );
}

function WriteKeys() {
  const queries = useQueryClient();
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => api<{ keys: Key[] }>('GET', '/api/keys') });
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (name: string) => api<Key & { key: string }>('POST', '/api/keys', { kind: 'write', name }),
    onSuccess: (key) => {
      setCreated(key.key);
      void queries.invalidateQueries({ queryKey: ['keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) => api('DELETE', `/api/keys/${keyId}`),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['keys'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate(String(new FormData(event.currentTarget).get('name')).trim() || 'website');
  };
  return (
    <figure>
      <figcaption>Write keys: what sites, apps and servers send events with</figcaption>
      <Loaded query={keys}>
        {(data) => (
          <table data-testid="keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Starts with</th>
                <th>Made</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.keys.map((key) => (
                <tr key={key.keyId}>
                  <td>{key.name}</td>
                  <td>{key.kind}</td>
                  <td>{key.hint}</td>
                  <td>{key.createdAt.slice(0, 10)}</td>
                  <td>
                    {key.revokedAt ? (
                      'revoked'
                    ) : (
                      <button type="button" onClick={() => revoke.mutate(key.keyId)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <form className="search" onSubmit={submit}>
        <label>
          New write key for
          <input name="name" placeholder="website" />
        </label>
        <button type="submit">Create write key</button>
      </form>
      {(create.isError || revoke.isError) && (
        <p className="error" role="alert">
          {(create.error ?? revoke.error)!.message}
        </p>
      )}
      {created && (
        <div className="created">
          <p>
            The new key, shown only now: <code data-testid="new-key">{created}</code>{' '}
            <button type="button" onClick={() => void navigator.clipboard?.writeText(created)}>
              Copy
            </button>
          </p>
          <pre>{snippet(created)}</pre>
        </div>
      )}
    </figure>
  );
}

function Users() {
  const queries = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<{ users: User[] }>('GET', '/api/users') });
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);
  const add = useMutation({
    mutationFn: (body: { email: string; role: string }) =>
      api<{ user: User; password: string }>('POST', '/api/users', body),
    onSuccess: ({ user, password }) => {
      setCreated({ email: user.email, password });
      void queries.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    add.mutate({ email: String(form.get('email')), role: String(form.get('role')) });
  };
  return (
    <figure>
      <figcaption>Users: an admin changes things, an analyst reads</figcaption>
      <Loaded query={users}>
        {(data) => (
          <ul>
            {data.users.map((user) => (
              <li key={user.userId}>
                {user.email} ({user.role})
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <form className="search" onSubmit={submit}>
        <label>
          Email
          <input name="email" type="email" required />
        </label>
        <label className="short">
          Role
          <select name="role" defaultValue="analyst">
            <option>analyst</option>
            <option>admin</option>
          </select>
        </label>
        <button type="submit">Add user</button>
      </form>
      {add.isError && (
        <p className="error" role="alert">
          {add.error.message}
        </p>
      )}
      {created && (
        <p className="created">
          {created.email} signs in with <code data-testid="new-password">{created.password}</code> (shown only
          now; they change it after signing in).
        </p>
      )}
    </figure>
  );
}

function Taxonomy() {
  const queries = useQueryClient();
  const rules = useQuery({
    queryKey: ['taxonomy'],
    queryFn: () => api<{ rules: Rule[] }>('GET', '/api/taxonomy'),
  });
  const change = useMutation({
    mutationFn: (rule: Rule) =>
      api('PUT', `/api/taxonomy/${encodeURIComponent(rule.eventName)}?occurrence=${rule.occurrence}`, {
        behavior: rule.behavior,
        funnelSignal: rule.funnelSignal,
        microMoment: rule.microMoment,
      }),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['taxonomy'] }),
  });
  return (
    <figure>
      <figcaption>Taxonomy: what each event means (its behaviour is editable here)</figcaption>
      {change.isError && (
        <p className="error" role="alert">
          {change.error.message}
        </p>
      )}
      <Loaded query={rules}>
        {(data) => (
          <table>
            <thead>
              <tr>
                <th>Event</th>
                <th>Occurrence</th>
                <th>Behaviour</th>
                <th>Funnel signal</th>
                <th>Micro-moment</th>
              </tr>
            </thead>
            <tbody>
              {data.rules.map((rule) => (
                <tr key={`${rule.eventName}:${rule.occurrence}`}>
                  <td>{rule.eventName}</td>
                  <td>{rule.occurrence}</td>
                  <td>
                    <select
                      aria-label={`Behaviour of ${rule.eventName} (${rule.occurrence})`}
                      value={rule.behavior ?? ''}
                      onChange={(event) => change.mutate({ ...rule, behavior: event.target.value || null })}
                    >
                      <option value="">—</option>
                      {BEHAVIORS.map((behavior) => (
                        <option key={behavior}>{behavior}</option>
                      ))}
                    </select>
                  </td>
                  <td>{rule.funnelSignal ?? '—'}</td>
                  <td>{rule.microMoment ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </figure>
  );
}
