// Prompt signals: SIGINT, SIGTERM and SIGUSR1 stop a running cell within about a second at any size.
//
// Node runs signal handlers only when this thread's event loop turns, which a long synchronous step
// (a GEMM-bound pass, a line search, k-means, a large SVD) does not allow. So a small watcher thread
// listens for the signals on its own event loop and sets the shared stop flag of src/linalg/interrupt.ts;
// long loops call checkStop() between blocks and iterations, the cell unwinds with StopRequested to its
// last consistent point, the runner writes the cell's checkpoint (src/runner/checkpoint.ts), prints the
// resume command and exits with 128 + the signal number:
//   SIGINT  -> 130 (Ctrl-C)
//   SIGTERM -> 143 (Slurm at a time limit or preemption, before SIGKILL after KillWait)
//   SIGUSR1 -> 138 (Slurm's --signal=B:USR1@120, forwarded by the batch script, which may then requeue)
// The main thread listens too, for the moments its event loop is free; a second SIGINT seen there quits at
// once (130). If the watcher cannot start (process.binding gone in a later Node), only the main-thread
// handlers remain, and a signal is then seen when the running step ends. The GEMM worker threads of
// src/linalg/threads.ts finish their share of the current row block and wait; they end with the process.
import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import { clearStop, requestStop, stopFlagBuffer, stopRequested } from '../linalg/interrupt.ts';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGUSR1'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** Exit code of a run stopped by a signal (or by the test hook, which acts as SIGTERM): 128 + the signal number. */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGUSR1: 138 };

/** Name of a stop code (a signal number), e.g. 15 -> SIGTERM. */
export function signalName(code: number): StopSignal {
  for (const s of STOP_SIGNALS) if (constants.signals[s] === code) return s;
  return 'SIGTERM';
}

export function exitCodeOfStop(code: number): number {
  return SIGNAL_EXIT[signalName(code)];
}

// The watcher: a CommonJS worker (no loader needed) that keeps one signal handle per signal on its own loop.
const WATCHER = `
const { workerData, parentPort } = require('node:worker_threads');
const flag = new Int32Array(workerData.sab);
process.noDeprecation = true;
try {
  const { Signal } = process.binding('signal_wrap');
  for (const n of workerData.signals) {
    const s = new Signal();
    s.onsignal = (signo) => { Atomics.compareExchange(flag, 0, 0, signo); };
    if (s.start(n) !== 0) throw new Error('signal ' + n + ' could not be watched');
  }
  parentPort.postMessage('ready');
} catch (e) {
  parentPort.postMessage('failed: ' + e.message);
  process.exit(0);
}
`;

export interface StopSignals {
  /** Resolves once the watcher thread listens (or could not start). */
  ready: Promise<boolean>;
  uninstall(): void;
}

/**
 * Listen for the stop signals until `uninstall()`: each sets the stop flag (first signal wins) and calls
 * `onSignal`. Clears any earlier stop request.
 */
export function installStopSignals(onSignal: (signal: StopSignal) => void): StopSignals {
  clearStop();
  let seen = 0;
  const handlers = STOP_SIGNALS.map((name) => {
    const h = () => {
      seen++;
      if (seen > 1 && name === 'SIGINT') process.exit(SIGNAL_EXIT.SIGINT);
      requestStop(constants.signals[name]);
      onSignal(name);
    };
    process.on(name, h);
    return [name, h] as const;
  });
  let worker: Worker | undefined;
  const ready = new Promise<boolean>((resolve) => {
    try {
      worker = new Worker(WATCHER, {
        eval: true,
        workerData: { sab: stopFlagBuffer(), signals: STOP_SIGNALS.map((s) => constants.signals[s]) },
        stdout: true,
        stderr: true,
        execArgv: [],
      });
      worker.unref();
      worker.once('message', (m) => resolve(m === 'ready'));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    } catch {
      resolve(false);
    }
  });
  return {
    ready,
    uninstall() {
      // After a stop, the main thread may still hold the signal's event, queued while a long step ran (the watcher
      // saw it first): nrc's start-up handler (src/bin/startup-signals.js) must not take it for a signal with no
      // command running, so it is told that this run has already been stopped.
      if (stopRequested() !== 0) (globalThis as Record<symbol, unknown>)[Symbol.for('nrc.stopped')] = true;
      for (const [name, h] of handlers) process.off(name, h);
      void worker?.terminate();
      worker = undefined;
    },
  };
}
