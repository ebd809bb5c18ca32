import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, currentWorkspace } from '../../api.ts';
import { Loaded } from '../../components/Loaded.tsx';
import { switchWorkspace, useWorkspaces, type Workspace } from '../../components/WorkspaceSwitcher.tsx';

/** The installation's workspaces (users see them all), the one the console acts on, and a form for a new one. */
export function Workspaces() {
  const queries = useQueryClient();
  const workspaces = useWorkspaces();
  const [created, setCreated] = useState<Workspace | null>(null);
  const create = useMutation({
    mutationFn: (body: { slug: string; name: string }) => api<Workspace>('POST', '/api/workspaces', body),
    onMutate: () => setCreated(null),
    onSuccess: (workspace) => {
      setCreated(workspace);
      void queries.invalidateQueries({ queryKey: ['workspaces'] });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ slug: String(form.get('slug')).trim(), name: String(form.get('name')) });
  };
  const chosen = currentWorkspace();
  return (
    <figure aria-labelledby="workspaces-title">
      <figcaption id="workspaces-title">
        Workspaces: each keeps its own events, customers, keys and rules; the switcher in the navigation
        chooses one
      </figcaption>
      <Loaded query={workspaces}>
        {(data) => (
          <table data-testid="workspaces">
            <thead>
              <tr>
                <th>Name</th>
                <th>Slug</th>
                <th>Made</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.workspaces.map((workspace) => (
                <tr key={workspace.slug}>
                  <td>{workspace.name}</td>
                  <td>
                    <code>{workspace.slug}</code>
                  </td>
                  <td>{workspace.createdAt.slice(0, 10)}</td>
                  <td>
                    {workspace.slug === chosen ? (
                      <strong>in use</strong>
                    ) : (
                      <button type="button" onClick={() => void switchWorkspace(queries, workspace.slug)}>
                        Switch to {workspace.slug}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <form className="search" onSubmit={submit} noValidate>
        <label className="short">
          Slug
          <input name="slug" placeholder="acme" />
        </label>
        <label className="short">
          Name
          <input name="name" placeholder="Acme Ltd" />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create workspace
        </button>
      </form>
      {create.isError && (
        <p className="error" role="alert" data-testid="workspace-error">
          {create.error.message}
        </p>
      )}
      {created && (
        <p className="created" role="status">
          Workspace “{created.name}” ({created.slug}) is ready, empty, with the default taxonomy. Choose it in
          the switcher to give it write keys and send it events.
        </p>
      )}
    </figure>
  );
}
