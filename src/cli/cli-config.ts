import type { Command } from 'commander';
import { type Config, loadConfig } from '../config.ts';

/** The configuration for a verb: environment variables overridden by the global flags given. */
export function configFromCommand(command: Command): Config {
  const options = command.optsWithGlobals<{
    dataDir?: string;
    databaseUrl?: string;
    port?: string;
    host?: string;
    logLevel?: string;
  }>();
  return loadConfig(process.env, options);
}
