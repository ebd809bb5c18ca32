import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to DuckDB in ./data, port 4400 on 127.0.0.1', () => {
    expect(loadConfig({})).toEqual({
      dataDir: path.resolve('./data'),
      port: 4400,
      host: '127.0.0.1',
      databaseUrl: undefined,
      logLevel: 'info',
      maxMergesPerIdentity: 10,
      allowPrivateWebhooks: false,
      engine: 'duckdb',
    });
  });

  it('reads the environment, and CLI flags override it', () => {
    const env = { AGORA_DATA_DIR: '/srv/agora', AGORA_PORT: '5000', DATABASE_URL: 'postgres://db/agora' };
    expect(loadConfig(env)).toMatchObject({ dataDir: '/srv/agora', port: 5000, engine: 'postgres' });
    expect(loadConfig(env, { port: '6000', dataDir: '/tmp/x' })).toMatchObject({
      dataDir: '/tmp/x',
      port: 6000,
    });
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(loadConfig({ DATABASE_URL: ' ' }).engine).toBe('duckdb');
  });

  it('names the variable, the rule and the value given when one is wrong', () => {
    expect(() => loadConfig({ AGORA_PORT: 'eighty' })).toThrow(
      'AGORA_PORT (or --port) must be a whole number (got "eighty").',
    );
    expect(() => loadConfig({ AGORA_PORT: '70000' })).toThrow('must be between 0 and 65535 (got "70000")');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db' })).toThrow(
      'DATABASE_URL (or --database-url) must be a postgres:// URL; unset it to use the embedded DuckDB database (got "mysql://db").',
    );
    expect(() => loadConfig({}, { logLevel: 'loud' })).toThrow(/^AGORA_LOG_LEVEL \(or --log-level\) /);
  });
});
