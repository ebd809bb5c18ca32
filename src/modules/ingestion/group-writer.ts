/**
 * Group commit: one writer for the process, and requests that arrive while it writes are written together
 * in its next round. Each caller is answered once the round holding its messages has committed.
 */

/** A round stops taking requests at this many messages; a request is never split, so a round may hold a few more. */
const MAX_MESSAGES_PER_WRITE = 5000;

export type Refusal = { position: number; reason: string };

/**
 * One writer for the process. Each call waits for the round that includes its messages and gets back the
 * refusals of its own messages, with positions relative to what it passed in.
 */
export function createGroupWriter<T>(store: (workspaceId: number, messages: T[]) => Promise<Refusal[]>) {
  interface Waiting {
    workspaceId: number;
    messages: T[];
    resolve(refusals: Refusal[]): void;
    reject(error: unknown): void;
  }
  const waiting: Waiting[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const round = takeRound();
      const combined = round.flatMap((request) => request.messages);
      try {
        const refusals = await store(round[0]!.workspaceId, combined);
        let offset = 0;
        for (const request of round) {
          const end = offset + request.messages.length;
          const start = offset;
          request.resolve(
            refusals
              .filter(({ position }) => position >= start && position < end)
              .map(({ position, reason }) => ({ position: position - start, reason })),
          );
          offset = end;
        }
      } catch (error) {
        for (const request of round) request.reject(error);
      }
    }
    writing = false;
  }

  /** The oldest request and those after it of the same workspace, up to the size of one write. */
  function takeRound(): Waiting[] {
    const workspaceId = waiting[0]!.workspaceId;
    const round: Waiting[] = [];
    let count = 0;
    for (let index = 0; index < waiting.length && count < MAX_MESSAGES_PER_WRITE; ) {
      const request = waiting[index]!;
      if (request.workspaceId !== workspaceId) {
        index += 1;
        continue;
      }
      round.push(request);
      count += request.messages.length;
      waiting.splice(index, 1);
    }
    return round;
  }

  return {
    write(workspaceId: number, messages: T[]): Promise<Refusal[]> {
      if (messages.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        waiting.push({ workspaceId, messages, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
