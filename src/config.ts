/**
 * The one reader of process.env: environment variables, overridden by CLI flags, parsed once with zod.
 * A bad value fails fast with a message that names the variable and how to fix it.
 */
import path from 'node:path';
import { z } from 'zod';
import { AppError } from './platform/errors/app-error.ts';

const ConfigSchema = z.object({
  dataDir: z.string().min(1, 'must not be empty'),
  port: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535'),
  host: z.string().min(1, 'must not be empty'),
  databaseUrl: z
    .string()
    .regex(
      /^postgres(ql)?:\/\/.+$/,
      'must be a postgres:// URL; unset it to use the embedded DuckDB database',
    )
    .optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  maxMergesPerIdentity: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1'),
  allowPrivateWebhooks: z.stringbool({ error: 'must be true or false' }),
});

export type Config = z.infer<typeof ConfigSchema> & { engine: 'duckdb' | 'postgres' };

/** CLI flags that override the environment; undefined means "not given". */
export interface ConfigOverrides {
  dataDir?: string | undefined;
  port?: string | number | undefined;
  host?: string | undefined;
  databaseUrl?: string | undefined;
  logLevel?: string | undefined;
}

const SOURCE_NAMES: Record<keyof z.infer<typeof ConfigSchema>, string> = {
  dataDir: 'AGORA_DATA_DIR (or --data-dir)',
  port: 'AGORA_PORT (or --port)',
  host: 'AGORA_HOST (or --host)',
  databaseUrl: 'DATABASE_URL (or --database-url)',
  logLevel: 'AGORA_LOG_LEVEL (or --log-level)',
  maxMergesPerIdentity: 'AGORA_MAX_MERGES_PER_IDENTITY',
  allowPrivateWebhooks: 'AGORA_ALLOW_PRIVATE_WEBHOOKS',
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const raw = {
    dataDir: overrides.dataDir ?? env.AGORA_DATA_DIR ?? './data',
    port: overrides.port ?? env.AGORA_PORT ?? 4400,
    host: overrides.host ?? env.AGORA_HOST ?? '127.0.0.1',
    databaseUrl: overrides.databaseUrl ?? emptyToUndefined(env.DATABASE_URL),
    logLevel: overrides.logLevel ?? env.AGORA_LOG_LEVEL ?? 'info',
    // How many customers one identity may join before Agora suspects a shared device or test address.
    maxMergesPerIdentity: env.AGORA_MAX_MERGES_PER_IDENTITY ?? 10,
    // Segment webhooks may point at private addresses (an intranet receiver) only when allowed.
    allowPrivateWebhooks: env.AGORA_ALLOW_PRIVATE_WEBHOOKS ?? 'false',
  };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path[0] as keyof typeof SOURCE_NAMES;
    const given = JSON.stringify(raw[field]);
    throw new AppError('CONFIG_INVALID', `${SOURCE_NAMES[field]} ${issue.message} (got ${given}).`);
  }
  const config = parsed.data;
  return {
    ...config,
    dataDir: path.resolve(config.dataDir),
    engine: config.databaseUrl ? 'postgres' : 'duckdb',
  };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
