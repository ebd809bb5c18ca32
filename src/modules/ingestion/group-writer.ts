/**
 * Group commit: one writer for the process, and requests that arrive while it writes are written together
 * in its next round. Each caller is answered once the round holding its messages has committed.
 *
 * A round may leave the rest of its write (appending the events) to run while the next round starts: the
 * next round's lookups and identity writes overlap the previous round's append, and appends stay one at a
 * time, in order.
 */

/** A round stops taking requests at this many messages; a request is never split, so a round may hold a few more. */
const MAX_MESSAGES_PER_WRITE = 5000;

export type Refusal = { position: number; reason: string };

/** A round's first part is done: its refusals are known, and `rest`, if any, finishes its write. */
export interface Written {
  refusals: Refusal[];
  rest?: () => Promise<void>;
}

/**
 * One writer for the process. Each call waits for the round that includes its messages and gets back the
 * refusals of its own messages, with positions relative to what it passed in.
 */
export function createGroupWriter<T>(store: (workspaceId: number, messages: T[]) => Promise<Written>) {
  interface Waiting {
    workspaceId: number;
    messages: T[];
    resolve(refusals: Refusal[]): void;
    reject(error: unknown): void;
  }
  const waiting: Waiting[] = [];
  let writing = false;
  let drained: Promise<void> = Promise.resolve();

  let wake: (() => void) | null = null;

  async function drain(): Promise<void> {
    writing = true;
    // The rest of the previous round's write; it answers its own requests and never rejects.
    let unfinished: Promise<void> = Promise.resolve();
    let finished = true;
    for (;;) {
      if (waiting.length === 0) {
        if (finished) break;
        // Start the next round as soon as a request comes, without waiting for the previous rest.
        await Promise.race([unfinished, new Promise<void>((resolve) => (wake = resolve))]);
        wake = null;
        continue;
      }
      const round = takeRound();
      let written: Written;
      try {
        written = await store(
          round[0]!.workspaceId,
          round.flatMap((request) => request.messages),
        );
      } catch (error) {
        for (const request of round) request.reject(error);
        continue;
      }
      await unfinished;
      finished = false;
      unfinished = (written.rest?.() ?? Promise.resolve())
        .then(
          () => answer(round, written.refusals),
          (error: unknown) => {
            for (const request of round) request.reject(error);
          },
        )
        .finally(() => {
          finished = true;
        });
    }
    writing = false;
  }

  /** Each request gets the refusals of its own messages, with positions relative to what it passed in. */
  function answer(round: Waiting[], refusals: Refusal[]): void {
    let offset = 0;
    for (const request of round) {
      const start = offset;
      const end = offset + request.messages.length;
      request.resolve(
        refusals
          .filter(({ position }) => position >= start && position < end)
          .map(({ position, reason }) => ({ position: position - start, reason })),
      );
      offset = end;
    }
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
        if (!writing) drained = drain();
        else wake?.();
      });
    },

    /** Resolves once every request taken so far is written (or failed): for a clean shutdown. */
    async idle(): Promise<void> {
      while (writing) await drained;
    },
  };
}
