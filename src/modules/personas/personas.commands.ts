/** `agora personas list|show|refresh|rename`: the discovered personas, as tables or `--json`. */
import { Command, Option } from 'commander';
import { configFromCommand } from '../../cli/cli-config.ts';
import { formatShare, printJson, printTable } from '../../cli/output.ts';
import { parseOptions } from '../../cli/parse-options.ts';
import { runVerb } from '../../cli/target.ts';
import type { Deps } from '../../deps.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import {
  type Persona,
  PersonaIdParamsSchema,
  type PersonaList,
  RefreshOptionsSchema,
  RenameSchema,
} from './personas.schema.ts';
import { createPersonaService } from './personas.service.ts';

interface Common {
  workspace: string;
  json?: boolean;
}

const workspaceOption = () =>
  new Option('--workspace <slug>', 'the workspace to read').default(DEFAULT_WORKSPACE_SLUG);

/** The service and workspace id for a verb run against the local database. */
async function local(deps: Deps, slug: string) {
  const service = createPersonaService({ ...deps, lifecycle: createLifecycleService(deps) });
  return { service, workspaceId: (await localWorkspace(deps, slug)).workspaceId };
}

export function personaCommand(): Command {
  const personas = new Command('personas').description('personas discovered from what customers do');
  personas
    .command('list')
    .description('the personas of the latest run, with their size and what sets them apart')
    .addOption(workspaceOption())
    .option('--json', 'print {"run", "personas": […]} as JSON')
    .action(async (options: Common, command: Command) => {
      const result = await runVerb<PersonaList>(configFromCommand(command), options.workspace, {
        local: async (deps) => {
          const { service, workspaceId } = await local(deps, options.workspace);
          return service.list(workspaceId);
        },
        remote: (client) => client.request<PersonaList>('GET', '/api/personas'),
      });
      if (options.json) return printJson(result);
      printList(result);
    });
  personas
    .command('show <personaId>')
    .description('one persona: distinguishing features, preferred content, first channels, stages')
    .addOption(workspaceOption())
    .option('--json', 'print the persona as JSON')
    .action(async (personaId: string, options: Common, command: Command) => {
      const params = parseOptions(PersonaIdParamsSchema, { personaId });
      const persona = await runVerb<Persona>(configFromCommand(command), options.workspace, {
        local: async (deps) => {
          const { service, workspaceId } = await local(deps, options.workspace);
          return service.get(workspaceId, params.personaId);
        },
        remote: (client) => client.request<Persona>('GET', `/api/personas/${params.personaId}`),
      });
      if (options.json) return printJson(persona);
      printPersona(persona);
    });
  personas
    .command('refresh')
    .description('recompute the features and cluster the customers again (a new run; edited names are kept)')
    .option('--k-min <n>', 'the fewest personas to consider', '3')
    .option('--k-max <n>', 'the most personas to consider', '8')
    .option('--seed <n>', 'the same seed and data give the same personas', '1')
    .option('--min-touchpoints <n>', 'leave out customers with fewer touchpoints', '1')
    .addOption(workspaceOption())
    .option('--json', 'print the new run and its personas as JSON')
    .action(
      async (
        options: Common & { kMin: string; kMax: string; seed: string; minTouchpoints: string },
        command: Command,
      ) => {
        const query = parseOptions(RefreshOptionsSchema, {
          kMin: options.kMin,
          kMax: options.kMax,
          seed: options.seed,
          minTouchpoints: options.minTouchpoints,
        });
        const result = await runVerb<PersonaList>(configFromCommand(command), options.workspace, {
          local: async (deps) => {
            const { service, workspaceId } = await local(deps, options.workspace);
            return service.refresh(workspaceId, query);
          },
          remote: (client) => client.request<PersonaList>('POST', '/api/personas/refresh', query),
        });
        if (options.json) return printJson(result);
        printList(result);
      },
    );
  personas
    .command('rename <personaId> <name>')
    .description('give a persona a name of your own (later runs keep it)')
    .addOption(workspaceOption())
    .option('--json', 'print the renamed persona as JSON')
    .action(async (personaId: string, name: string, options: Common, command: Command) => {
      const params = parseOptions(PersonaIdParamsSchema, { personaId });
      const body = parseOptions(RenameSchema, { name });
      const persona = await runVerb<Persona>(configFromCommand(command), options.workspace, {
        local: async (deps) => {
          const { service, workspaceId } = await local(deps, options.workspace);
          return service.rename(workspaceId, params.personaId, body.name);
        },
        remote: (client) => client.request<Persona>('PATCH', `/api/personas/${params.personaId}`, body),
      });
      if (options.json) return printJson(persona);
      process.stdout.write(`Persona ${persona.personaId} is now “${persona.name}”.\n`);
    });
  return personas;
}

function printList(result: PersonaList): void {
  if (!result.run) {
    process.stdout.write('No personas yet: run `agora personas refresh` to discover them.\n');
    return;
  }
  const { run } = result;
  process.stdout.write(
    `${run.k} personas among ${run.customers.toLocaleString('en-US')} customers (run ${run.runId}, ` +
      `silhouette ${run.silhouette.toFixed(3)}, ${new Date(run.fittedAt).toISOString().slice(0, 16)}).\n\n`,
  );
  printTable(result.personas, [
    ['ID', (row) => row.personaId],
    ['NAME', (row) => row.name],
    ['CUSTOMERS', (row) => row.customers.toLocaleString('en-US')],
    ['SHARE', (row) => formatShare(row.share)],
    ['PREFERRED FORMAT', (row) => row.preferredFormat ?? ''],
    ['STANDS OUT FOR', (row) => row.distinguishing.slice(0, 4).map(describeFeature).join(', ')],
  ]);
}

function printPersona(persona: Persona): void {
  process.stdout.write(
    `${persona.name} (persona ${persona.personaId}${persona.renamed ? `, generated name “${persona.generatedName}”` : ''}): ` +
      `${persona.customers.toLocaleString('en-US')} customers, ${formatShare(persona.share)}.\n` +
      `Preferred format: ${persona.preferredFormat ?? '(none)'}.\n\n`,
  );
  printTable(persona.distinguishing, [
    ['FEATURE', (row) => row.label],
    ['Z', (row) => row.z.toFixed(2)],
    ['PERSONA', (row) => row.personaMean.toFixed(3)],
    ['POPULATION', (row) => row.populationMean.toFixed(3)],
  ]);
  process.stdout.write('\nFirst channels:\n');
  printTable(persona.firstChannels, [
    ['CHANNEL', (row) => row.channel],
    ['SHARE', (row) => formatShare(row.share)],
  ]);
  process.stdout.write('\nStages:\n');
  printTable(persona.stages, [
    ['STAGE', (row) => row.stage],
    ['CUSTOMERS', (row) => row.customers],
    ['SHARE', (row) => formatShare(row.share)],
  ]);
}

const describeFeature = (entry: Persona['distinguishing'][number]) =>
  `${entry.label} (${entry.z > 0 ? '+' : ''}${entry.z.toFixed(1)})`;
