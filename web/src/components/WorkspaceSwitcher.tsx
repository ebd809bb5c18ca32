import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, api, chooseWorkspace, currentWorkspace } from '../api.ts';

export interface Workspace {
  workspaceId: number;
  slug: string;
  name: string;
  createdAt: string;
}

/** What every workspace shares: who is signed in and which workspaces exist. The rest belongs to one. */
const SHARED = new Set(['session', 'workspaces']);

/** Acts on another workspace from now on, and forgets everything the last one's queries had shown. */
export async function switchWorkspace(queries: QueryClient, slug: string): Promise<void> {
  chooseWorkspace(slug);
  const ofTheWorkspace = {
    predicate: (query: { queryKey: readonly unknown[] }) => !SHARED.has(String(query.queryKey[0])),
  };
  await queries.cancelQueries(ofTheWorkspace);
  queries.removeQueries({ ...ofTheWorkspace, type: 'inactive' });
  await queries.resetQueries(ofTheWorkspace);
  await queries.invalidateQueries({ queryKey: ['workspaces'] });
}

export function useWorkspaces() {
  return useQuery({
    queryKey: ['workspaces'],
    queryFn: () => api<{ workspaces: Workspace[] }>('GET', '/api/workspaces'),
  });
}

/** The navigation's workspace select: the choice is kept in the browser and sent with every API call. */
export function WorkspaceSwitcher() {
  const queries = useQueryClient();
  const workspaces = useWorkspaces();
  const [chosen, setChosen] = useState(currentWorkspace());
  const choose = (slug: string) => {
    setChosen(slug);
    void switchWorkspace(queries, slug);
  };
  // A workspace remembered from before that no longer exists (or another installation's): back to the default.
  const unknown = workspaces.error instanceof ApiError && workspaces.error.status === 404;
  useEffect(() => {
    if (unknown && chosen !== 'default') choose('default');
  });
  // Another part of the console (Settings) may switch too.
  useEffect(() => {
    if (currentWorkspace() !== chosen) setChosen(currentWorkspace());
  });
  const list = workspaces.data?.workspaces ?? [];
  return (
    <label className="workspace">
      Workspace
      <select value={chosen} onChange={(event) => choose(event.target.value)} disabled={!workspaces.data}>
        {!list.some((workspace) => workspace.slug === chosen) && <option value={chosen}>{chosen}</option>}
        {list.map((workspace) => (
          <option key={workspace.slug} value={workspace.slug} title={workspace.slug}>
            {/* The navigation is narrow: the slug only where two workspaces share a name. */}
            {list.filter((other) => other.name === workspace.name).length > 1
              ? `${workspace.name} (${workspace.slug})`
              : workspace.name}
          </option>
        ))}
      </select>
    </label>
  );
}
