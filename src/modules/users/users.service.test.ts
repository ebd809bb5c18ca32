import { expect, it } from 'vitest';
import { describeEachEngine } from '../../../test/engines.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { createUserService } from './users.service.ts';

describeEachEngine('console sessions held in memory', ({ db }) => {
  it('reads a session once a minute, and again at once after a sign-out or a password change', async () => {
    let now = new Date('2026-04-01T09:00:00Z');
    const clock: Clock = { now: () => now };
    let reads = 0;
    const counting = new Proxy(db(), {
      get: (target, name) =>
        name === 'query'
          ? (...args: Parameters<Database['query']>) => {
              reads++;
              return target.query(...args);
            }
          : Reflect.get(target, name),
    });
    const users = createUserService({ db: counting, clock });
    const { password } = await users.createUser('cleo@example.com', 'analyst');
    const first = await users.signIn('cleo@example.com', password);
    const second = await users.signIn('cleo@example.com', password);

    reads = 0;
    await users.authenticate(first.token);
    await users.authenticate(first.token);
    expect(reads).toBe(1);
    now = new Date(now.getTime() + 60_000);
    await users.authenticate(first.token);
    expect(reads).toBe(2);

    await users.authenticate(second.token);
    await users.signOut(second.token);
    await expect(users.authenticate(second.token)).rejects.toThrow('You are signed out: sign in again.');

    const held = await users.authenticate(first.token);
    expect(held.user.mustChangePassword).toBe(true);
    await users.changePassword(held.user.userId, first.token, password, 'a garden of long words');
    expect((await users.authenticate(first.token)).user.mustChangePassword).toBe(false);
  });
});
