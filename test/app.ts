/** Builds the Agora app on a test database, with a workspace and its first admin key. */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import {
  type CreatedApiKey,
  createWorkspaceService,
  type Workspace,
} from '../src/modules/workspaces/index.ts';
import { type Clock, systemClock } from '../src/platform/clock.ts';
import type { Database } from '../src/platform/db/database.ts';
import type { AnswerCacheOptions } from '../src/platform/http/answer-cache.ts';
import { silentLogger } from '../src/platform/log.ts';

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  workspace: Workspace;
  adminKey: CreatedApiKey;
  /** Headers that authenticate as the workspace's admin key. */
  admin: { authorization: string };
}

export async function createTestApp(
  db: Database,
  options: { slug?: string; clock?: Clock; localToken?: string; answers?: AnswerCacheOptions } = {},
): Promise<TestApp> {
  const deps: Deps = {
    config: loadConfig({}),
    db,
    clock: options.clock ?? systemClock,
    log: silentLogger,
  };
  const { workspace, adminKey } = await createWorkspaceService(deps).ensureWorkspace({
    slug: options.slug ?? `ws-${Math.random().toString(36).slice(2, 10)}`,
  });
  if (!adminKey) throw new Error('the test workspace existed already');
  const app = await buildApp(deps, { localToken: options.localToken, answers: options.answers });
  return { app, deps, workspace, adminKey, admin: { authorization: `Bearer ${adminKey.key}` } };
}

/** The message of an answer that must be 400 INVALID_INPUT (the test fails on any other answer). */
export function invalidInputMessage(response: { statusCode: number; json(): unknown }): string {
  const body = response.json() as { error?: { code?: string; message?: string } };
  expect(response.statusCode, JSON.stringify(body)).toBe(400);
  expect(body.error?.code).toBe('INVALID_INPUT');
  return body.error?.message ?? '';
}

/** A new write key of the test workspace, made through the admin API. */
export async function createWriteKey(t: TestApp): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/keys',
    headers: t.admin,
    payload: { kind: 'write' },
  });
  return (response.json() as { key: string }).key;
}
