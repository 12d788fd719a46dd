// Run the nrc program in this process (fast) or as a real process (for signals), capturing output.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/commands/program.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const binPath = join(repoRoot, 'src', 'bin', 'nrc.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `nrc ...args` in-process and capture stdout/stderr. */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

/** Run the real `nrc` bin as a child process. */
export function spawnCli(args: string[], cwd = repoRoot): CliResult {
  const r = spawnSync(process.execPath, [binPath, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NRC_THREADS: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Start the real bin and kill it with SIGKILL once `ready()` is true (polled every 10 ms), after a
 * further `delayMs`; resolves when it has exited (also if it finished first).
 */
export function spawnAndKillWhen(args: string[], ready: () => boolean, delayMs: number, cwd = repoRoot): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd, stdio: 'ignore', env: { ...process.env, NRC_THREADS: '1' } });
    const poll = setInterval(() => {
      if (!ready()) return;
      clearInterval(poll);
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }, 10);
    child.on('exit', () => {
      clearInterval(poll);
      resolve();
    });
  });
}
