/**
 * `agora demo`: generates the demo world (docs/demo-world.md), loads it through bulk import and serves
 * Agora on it; `--no-serve` loads and exits; `--out FILE` only writes the world and its manifest.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildApp } from '../../app.ts';
import { configFromCommand } from '../../cli/cli-config.ts';
import { createProgress } from '../../cli/progress.ts';
import { printServeBanner, stopOnSignals } from '../../cli/serve.ts';
import { closeDeps, createDeps, type Deps } from '../../deps.ts';
import { type RunningServer, startServer } from '../../server.ts';
import { createWorkspaceService } from '../workspaces/index.ts';
import { loadDemoWorld } from './load-world.ts';
import { DEMO_DAYS } from './world-model.ts';
import { type DemoOptions, worldFiles, writeWorld } from './write-world.ts';

export const DEFAULT_DEMO: DemoOptions = { seed: 42, customers: 20_000 };

const wholeNumber = (name: string, max: number) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max)
    throw new InvalidArgumentError(
      `${name} must be a whole number from 1 to ${max.toLocaleString('en-US')}.`,
    );
  return number;
};

export function demoCommand(): Command {
  return new Command('demo')
    .description('generate the demo world (a lighting company, 18 months), load it and serve Agora on it')
    .addOption(
      new Option('--seed <n>', 'the same seed gives the same world')
        .argParser(wholeNumber('--seed', 2 ** 31))
        .default(DEFAULT_DEMO.seed),
    )
    .addOption(
      new Option('--customers <n>', 'how many customers')
        .argParser(wholeNumber('--customers', 10_000_000))
        .default(DEFAULT_DEMO.customers),
    )
    .option('--out <file>', 'only write the world to FILE.ndjson, with its catalogue and manifest beside it')
    .option('--no-serve', 'load the world into the data directory, then exit')
    .addOption(new Option('--port <port>', 'port to listen on (env AGORA_PORT)').default(undefined, '4400'))
    .addOption(
      new Option('--host <host>', 'address to bind (env AGORA_HOST)').default(undefined, '127.0.0.1'),
    )
    .action(async (options: DemoOptions & { out?: string; serve: boolean }, command: Command) => {
      const world = { seed: options.seed, customers: options.customers };
      if (options.out) return writeOnly(options.out, world);
      const config = configFromCommand(command);
      if (!options.serve) {
        const deps = await createDeps(config);
        // The live days go through the tracking API over HTTP: a server on a free loopback port while loading.
        const app = await buildApp(deps);
        try {
          const { workspace } = await createWorkspaceService(deps).ensureWorkspace({ issueAdminKey: false });
          const url = await app.listen({ port: 0, host: '127.0.0.1' });
          await loadWithProgress(deps, workspace.workspaceId, world, url);
        } finally {
          await app.close();
          await closeDeps(deps);
        }
        return;
      }
      const server = await startServer(config);
      await stopOnSignals(server);
      await loadDemoInto(server, world);
      server.startBackgroundJobs();
      printServeBanner(server);
    });
}

/** Loads the world into the server's workspace before it is announced. */
export async function loadDemoInto(server: RunningServer, world: DemoOptions): Promise<void> {
  await loadWithProgress(server.deps, server.workspace.workspaceId, world, server.url);
}

async function loadWithProgress(
  deps: Deps,
  workspaceId: number,
  world: DemoOptions,
  trackingUrl: string,
): Promise<void> {
  const started = performance.now();
  process.stdout.write(
    `Building the demo world: ${world.customers.toLocaleString('en-US')} customers over ${DEMO_DAYS} days (seed ${world.seed}).\n`,
  );
  // The history is imported part by part while the rest is simulated: one line for both, by simulated days.
  let simulated = 0;
  const building = createProgress('simulating and importing:', {
    totalBytes: DEMO_DAYS,
    bytesRead: () => simulated,
  });
  let sent = 0;
  let sending: ReturnType<typeof createProgress> | null = null;
  const result = await loadDemoWorld(
    deps,
    workspaceId,
    world,
    {
      generated: (_events, days) => {
        simulated = days;
      },
      imported: (rows) => building.update(rows),
      sending: (messages, done) => {
        if (!sending) {
          building.finish();
          sending = createProgress('sending the last days to the tracking API:', {
            totalBytes: 1,
            bytesRead: () => sent,
          });
        }
        sent = done;
        sending.update(messages);
      },
      analysing: () => {
        building.finish();
        (sending as ReturnType<typeof createProgress> | null)?.finish();
      },
    },
    trackingUrl,
  );
  const { events, live, analyses } = result;
  const refused = events.rejected + live.rejected;
  const worked = analyses
    .map((run) => `${run.name} (${run.summary}, ${run.seconds.toFixed(1)} s)`)
    .join(', ');
  process.stdout.write(
    `Loaded ${(events.accepted + live.accepted).toLocaleString('en-US')} events ` +
      `(${live.accepted.toLocaleString('en-US')} of them through the tracking API) in ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s, analyses included: ${worked}. ` +
      `The planted truth is in ${result.manifestFile}.\n` +
      (refused > 0
        ? `${refused.toLocaleString('en-US')} messages were refused; see the dead letters.\n`
        : ''),
  );
}

async function writeOnly(out: string, world: DemoOptions): Promise<void> {
  let simulated = 0;
  const progress = createProgress('generating:', { totalBytes: DEMO_DAYS, bytesRead: () => simulated });
  const files = worldFiles(out);
  const manifest = await writeWorld(files, world, {
    progress: (events, days) => {
      simulated = days;
      progress.update(events);
    },
  });
  progress.finish();
  process.stdout.write(
    `Wrote ${manifest.realized.events.toLocaleString('en-US')} events to ${files.events}, the catalogue to ` +
      `${files.products} and ${files.content}, the marketing costs to ${files.costs}, and the planted truth ` +
      `to ${files.manifest}.\n` +
      `Load them with: agora import products ${files.products} && agora import content ${files.content} && ` +
      `agora import costs ${files.costs} && agora import events ${files.events}\n`,
  );
}
