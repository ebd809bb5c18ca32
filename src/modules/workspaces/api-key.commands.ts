/** `agora keys create|list|revoke`: the API keys of a workspace, from the command line. */
import { Command, Option } from 'commander';
import { reviveDates } from '../../cli/agora-client.ts';
import { configFromCommand } from '../../cli/cli-config.ts';
import { printJson, printTable } from '../../cli/output.ts';
import { runVerb } from '../../cli/target.ts';
import type { Deps } from '../../deps.ts';
import type { ApiKey, CreatedApiKey, Workspace } from './workspace.schema.ts';
import { createWorkspaceService, DEFAULT_WORKSPACE_SLUG } from './workspace.service.ts';

interface KeyOptions {
  workspace: string;
  json?: boolean;
}

const DATE_KEYS = ['createdAt', 'revokedAt'] as const;

export function keyCommands(): Command {
  const keys = new Command('keys').description(
    'create, list and revoke API keys (write keys for tracking, admin keys)',
  );
  const workspaceOption = () =>
    new Option('--workspace <slug>', 'the workspace the keys belong to').default(DEFAULT_WORKSPACE_SLUG);

  keys
    .command('create')
    .description('create a key and print it; it is shown only this once')
    .addOption(
      new Option('--kind <kind>', 'write (sends tracking data) or admin (secret)')
        .choices(['write', 'admin'])
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'what the key is for, e.g. "website"')
    .addOption(workspaceOption())
    .option('--json', 'print the key as JSON')
    .action(async (options: KeyOptions & { kind: 'write' | 'admin'; name?: string }, command: Command) => {
      const input = { kind: options.kind, ...(options.name ? { name: options.name } : {}) };
      const created = await runVerb<CreatedApiKey>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          createWorkspaceService(deps).createKey(
            (await localWorkspace(deps, options.workspace)).workspaceId,
            input,
          ),
        remote: async (client) =>
          reviveDates(await client.request<CreatedApiKey>('POST', '/api/keys', input), DATE_KEYS),
      });
      if (options.json) return printJson(created);
      process.stdout.write(
        `Created ${created.kind} key ${created.keyId} ("${created.name}"):\n\n  ${created.key}\n\n` +
          'Keep it safe: Agora keeps only a hash of it and cannot show it again.\n',
      );
    });

  keys
    .command('list')
    .description('list the keys of a workspace (never the keys themselves, only their first characters)')
    .addOption(workspaceOption())
    .option('--json', 'print the keys as JSON')
    .action(async (options: KeyOptions, command: Command) => {
      const list = await runVerb<ApiKey[]>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          createWorkspaceService(deps).listKeys((await localWorkspace(deps, options.workspace)).workspaceId),
        remote: async (client) =>
          (await client.request<{ keys: ApiKey[] }>('GET', '/api/keys')).keys.map((key) =>
            reviveDates(key, DATE_KEYS),
          ),
      });
      if (options.json) return printJson(list);
      printTable(list, [
        ['KEY ID', (key) => key.keyId],
        ['KIND', (key) => key.kind],
        ['NAME', (key) => key.name],
        ['STARTS WITH', (key) => `${key.hint}…`],
        ['CREATED', (key) => key.createdAt],
        ['REVOKED', (key) => key.revokedAt],
      ]);
    });

  keys
    .command('revoke')
    .description('revoke a key at once; requests that present it are refused from then on')
    .argument('<keyId>', 'the key id shown by `agora keys list`, e.g. key_1a2b3c4d5e6f')
    .addOption(workspaceOption())
    .option('--json', 'print the revoked key as JSON')
    .action(async (keyId: string, options: KeyOptions, command: Command) => {
      const revoked = await runVerb<ApiKey>(configFromCommand(command), options.workspace, {
        local: async (deps) =>
          createWorkspaceService(deps).revokeKey(
            (await localWorkspace(deps, options.workspace)).workspaceId,
            keyId,
          ),
        remote: async (client) =>
          reviveDates(
            await client.request<ApiKey>('DELETE', `/api/keys/${encodeURIComponent(keyId)}`),
            DATE_KEYS,
          ),
      });
      if (options.json) return printJson(revoked);
      process.stdout.write(`Revoked ${revoked.kind} key ${revoked.keyId} ("${revoked.name}").\n`);
    });

  return keys;
}

/**
 * The workspace of a verb that opens the database itself. The default one is made on first use, without an
 * admin key (a verb may be making keys itself).
 */
export async function localWorkspace(deps: Deps, slug: string): Promise<Workspace> {
  const workspaces = createWorkspaceService(deps);
  if (slug !== DEFAULT_WORKSPACE_SLUG) return workspaces.getWorkspace(slug);
  return (await workspaces.ensureWorkspace({ issueAdminKey: false })).workspace;
}
