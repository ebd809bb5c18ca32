import { describe, expect, it } from 'vitest';
import { createGroupWriter } from './group-writer.ts';

describe('createGroupWriter', () => {
  it('writes requests that arrive during a write together, and answers each with its own refusals', async () => {
    const rounds: string[][] = [];
    let release!: () => void;
    const firstWriteHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writer = createGroupWriter<string>(async (_workspaceId, messages) => {
      rounds.push(messages);
      if (rounds.length === 1) await firstWriteHeld;
      // Refuse every message called "bad", by its position in the round.
      return {
        refusals: messages.flatMap((message, position) =>
          message === 'bad' ? [{ position, reason: `no ${position}` }] : [],
        ),
      };
    });

    const first = writer.write(1, ['a']);
    const second = writer.write(1, ['b', 'bad']);
    const third = writer.write(1, ['bad', 'c']);
    release();

    expect(await first).toEqual([]);
    expect(await second).toEqual([{ position: 1, reason: 'no 1' }]);
    expect(await third).toEqual([{ position: 0, reason: 'no 2' }]);
    expect(rounds).toEqual([['a'], ['b', 'bad', 'bad', 'c']]);
  });

  it('starts the next round during the rest of the previous one, and answers each after its rest', async () => {
    const log: string[] = [];
    let releaseRest!: () => void;
    const restHeld = new Promise<void>((resolve) => {
      releaseRest = resolve;
    });
    const writer = createGroupWriter<string>(async (_workspaceId, messages) => {
      log.push(`first part of ${messages.join()}`);
      return {
        refusals: [],
        rest: async () => {
          if (messages[0] === 'a') await restHeld;
          log.push(`rest of ${messages.join()}`);
        },
      };
    });
    let firstAnswered = false;
    const first = writer.write(1, ['a']).then(() => {
      firstAnswered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = writer.write(1, ['b']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual(['first part of a', 'first part of b']);
    expect(firstAnswered).toBe(false);
    releaseRest();
    await Promise.all([first, second]);
    expect(log).toEqual(['first part of a', 'first part of b', 'rest of a', 'rest of b']);
  });

  it('keeps workspaces apart and fails only the round whose write failed', async () => {
    const rounds: Array<[number, string[]]> = [];
    const writer = createGroupWriter<string>(async (workspaceId, messages) => {
      rounds.push([workspaceId, messages]);
      if (workspaceId === 2) throw new Error('disk full');
      return { refusals: [] };
    });
    const results = await Promise.allSettled([
      writer.write(1, ['a']),
      writer.write(2, ['x']),
      writer.write(1, ['b']),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rounds).toEqual([
      [1, ['a']],
      [2, ['x']],
      [1, ['b']],
    ]);
  });

  it('is idle only once every request taken in is written, rests included', async () => {
    const done: string[] = [];
    const writer = createGroupWriter<string>(async (_workspaceId, messages) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return {
        refusals: [],
        rest: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          done.push(...messages);
        },
      };
    });
    void writer.write(1, ['a']);
    void writer.write(1, ['b']);
    await writer.idle();
    expect(done).toEqual(['a', 'b']);
    await writer.idle();
  });
});
