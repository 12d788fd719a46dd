// Stop requests and checkpoint hooks of long computations. A stop request lives in shared memory:
// a signal watcher thread sets it while this thread computes (src/runner/signals.ts), and long loops
// call checkStop() between blocks and iterations, which throws StopRequested. A loop that can be
// resumed takes a LoopCheckpoint: it marks each consistent point (between iterations) with a function
// that returns its whole state, and restores itself from `restored` (src/runner/checkpoint.ts).
// Nothing here imports the rest of the project, so every layer may use it.

const flag = new Int32Array(new SharedArrayBuffer(4));

/** The shared word of the stop flag (0 = no request, else the signal number), for watcher threads. */
export function stopFlagBuffer(): SharedArrayBuffer {
  return flag.buffer as SharedArrayBuffer;
}

/** Ask every long computation to stop (`code` > 0, usually the signal number). */
export function requestStop(code: number): void {
  Atomics.store(flag, 0, code);
}

/** The pending stop request (0 = none). */
export function stopRequested(): number {
  return Atomics.load(flag, 0);
}

export function clearStop(): void {
  Atomics.store(flag, 0, 0);
}

/** Thrown by checkStop(): the computation was asked to stop (by a signal, or a test hook). */
export class StopRequested extends Error {
  constructor(readonly code: number) {
    super(`stop requested (${code})`);
    this.name = 'StopRequested';
  }
}

/** Throw StopRequested if a stop was requested (a few nanoseconds; call it between blocks of work). */
export function checkStop(): void {
  const code = Atomics.load(flag, 0);
  if (code !== 0) throw new StopRequested(code);
}

/** Plain data a loop saves: numbers (NaN, infinities and -0 included), strings, typed arrays, lists and records of these. */
export type State = number | string | boolean | null | Float64Array | Float32Array | Int32Array | Uint8Array | State[] | { [key: string]: State };

/** A loop's hook into the checkpoint of the computation it belongs to (one per loop run, in program order). */
export interface LoopCheckpoint {
  /** The state this loop saved in an earlier process (undefined on a fresh start); `done` says it had finished. */
  readonly restored: { state: State; done: boolean } | undefined;
  /**
   * A consistent point, between iterations: `save()` returns the loop's whole state as of now, and must still
   * return that state if it is called later, from inside the next iteration, when a stop request unwinds it
   * (so state a step changes before it can be stopped must be copied when `point` is called). May write a
   * checkpoint right away (the timer of --checkpoint-every, or a test hook).
   */
  point(save: () => State): void;
  /** The loop finished with this final state (a resumed computation then skips the loop). */
  finish(state: State): void;
}

/** Where loops get their checkpoint hooks: one `loop()` call per loop run, in the same order on every run. */
export interface Checkpoints {
  loop(kind: string): LoopCheckpoint;
}

/** Hooks that save nothing (a computation outside a checkpointed cell). */
export const noCheckpoints: Checkpoints = {
  loop: () => ({ restored: undefined, point() {}, finish() {} }),
};
