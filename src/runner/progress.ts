// Progress on stderr: a bar over the grid's cells with the running cell's own progress
// (cli-progress with noTTYOutput so CI logs show it too); silent with --quiet.
import cliProgress from 'cli-progress';

export interface Progress {
  startCell(label: string): void;
  cellProgress(fraction: number, message?: string): void;
  endCell(): void;
  log(message: string): void;
  stop(): void;
}

export function makeProgress(total: number, quiet: boolean): Progress {
  if (quiet) {
    return { startCell() {}, cellProgress() {}, endCell() {}, log() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar({
    format: ' {bar} {value}/{total} cells | {cell} {inner} | {duration_formatted} elapsed, eta {eta_formatted}',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10000,
    hideCursor: true,
    etaBuffer: 20,
    fps: 5,
  }, cliProgress.Presets.shades_classic);
  let done = 0;
  let lastInner = 0;
  bar.start(total, 0, { cell: '', inner: '' });
  return {
    startCell(label) {
      lastInner = -1;
      bar.update(done, { cell: label, inner: '' });
    },
    cellProgress(fraction, message) {
      const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
      if (pct === lastInner && !message) return;
      lastInner = pct;
      bar.update(done, { inner: `${pct}%${message ? ` ${message}` : ''}` });
    },
    endCell() {
      done += 1;
      bar.update(done, { inner: '' });
    },
    log(message) {
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${message}\n`);
    },
    stop() {
      bar.stop();
    },
  };
}
