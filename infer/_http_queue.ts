/**
 * A first-in, first-out queue that runs one task at a time with a bound on waiting tasks.
 *
 * Decoding is CPU work on one thread: running conversions one after another loses no
 * throughput, keeps one model's scratch memory in use at a time, and lets an overloaded
 * server say "busy" at once instead of piling up work until it runs out of memory.
 *
 * @module
 */

/** Thrown by {@link SerialQueue.run} when the queue is full. */
export class QueueFullError extends Error {
  /**
   * Builds the error.
   *
   * @param pending The tasks waiting when this one was refused.
   */
  constructor(pending: number) {
    super(`Too many conversions waiting (${pending}): retry in a moment`);
    this.name = "QueueFullError";
  }
}

/** Runs tasks one at a time, in order of arrival, with at most `maxPending` waiting. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  readonly #maxPending: number;

  /**
   * Creates an empty queue.
   *
   * @param maxPending The most tasks waiting or running; one more is refused.
   */
  constructor(maxPending: number) {
    this.#maxPending = maxPending;
  }

  /** Tasks waiting or running now. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Runs `task` after every task queued before it has settled.
   *
   * @param task The work.
   * @returns The task's result.
   * @throws {QueueFullError} At once, when `maxPending` tasks are already queued.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#pending >= this.#maxPending) return Promise.reject(new QueueFullError(this.#pending));
    this.#pending++;
    const result = this.#tail.then(task);
    const done = () => {
      this.#pending--;
    };
    // The chain continues whether this task succeeds or fails.
    this.#tail = result.then(done, done);
    return result;
  }
}
