import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from './progress.ts';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe('createProgress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('redraws a bar in place on a terminal, at most ten times a second, and clears it at the end', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, writes } = fakeStream(true);
    let read = 0;
    const progress = createProgress('events:', { totalBytes: 1000, bytesRead: () => read }, stream);
    vi.setSystemTime(2000);
    read = 250;
    progress.update(5000);
    vi.setSystemTime(2050);
    progress.update(5100);
    progress.finish();
    expect(writes).toEqual([
      '\r[######..................] events: 25%  5,000 rows  2,500 rows/s  ETA 6 s\u001b[K',
      '\r\u001b[K',
    ]);
  });

  it('writes a plain line every five seconds when it is not a terminal', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, writes } = fakeStream(false);
    let read = 0;
    const progress = createProgress('orders:', { totalBytes: 400, bytesRead: () => read }, stream);
    vi.setSystemTime(10_000);
    read = 100;
    progress.update(1000);
    vi.setSystemTime(12_000);
    progress.update(1200);
    vi.setSystemTime(200_000);
    read = 200;
    progress.update(20_000);
    progress.finish();
    expect(writes).toEqual([
      'orders: 25% · 1,000 rows · 100 rows/s · ETA 30 s\n',
      'orders: 50% · 20,000 rows · 100 rows/s · ETA 3 min 20 s\n',
    ]);
  });
});
