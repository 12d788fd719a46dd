// Progress on stderr: a bar over the grid's cells with the running cell's own progress
// (cli-progress with noTTYOutput so CI logs show it too); silent with --quiet.
import cliProgress from 'cli-progress';

export interface Progress {
  startCell(label: string): void;
  cellProgress(fraction: number, message?: string): void;
  endCell(): void;
  /** A cell finished in an earlier run (resume): counted, but not in the time estimate. */
  skipCell(): void;
  log(message: string): void;
  stop(): void;
}

export function makeProgress(total: number, quiet: boolean): Progress {
  if (quiet) {
    return { startCell() {}, cellProgress() {}, endCell() {}, skipCell() {}, log() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} cells | {cell} {inner} | {duration_formatted} elapsed{remaining}',
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 10000,
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  let ranHere = 0;
  let lastInner = 0;
  const started = Date.now();
  const eta = (): string => {
    if (ranHere === 0 || done >= total) return '';
    const seconds = ((Date.now() - started) / 1000 / ranHere) * (total - done);
    return seconds < 90
      ? `, about ${Math.ceil(seconds)} s left`
      : seconds < 5400
        ? `, about ${Math.round(seconds / 60)} min left`
        : `, about ${(seconds / 3600).toFixed(1)} h left`;
  };
  bar.start(total, 0, { cell: '', inner: '', remaining: '' });
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
      ranHere += 1;
      bar.update(done, { inner: '', remaining: eta() });
    },
    skipCell() {
      done += 1;
      bar.update(done);
    },
    log(message) {
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${message}\n`);
    },
    stop() {
      bar.stop();
    },
  };
}
