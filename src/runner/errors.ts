// Errors that end a command with a documented exit code (DESIGN.md, "CLI").

/** Exit codes of nrc: 0 success, 1 a failed check, 2 bad input, 3 a sweep that finished with failed cells, 4 an internal error, 5 a write failed (disk full, quota, I/O error), 130 interrupted. */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2, cellsFailed: 3, internal: 4, storage: 5, interrupted: 130 } as const;

/** Bad input (option, value or file): exit code 2 with a one-line message naming what is wrong and what is accepted. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
