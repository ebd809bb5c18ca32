/** Runs the `agora` binary as a user does: real processes, real exit codes. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/agora.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function agora(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function serve(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; banner: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...process.env, AGORA_LOG_LEVEL: 'warn', ...env },
    });
    let banner = '';
    child.stdout.on('data', (chunk) => {
      banner += chunk;
      const url = /serving workspace "default" at (\S+)/.exec(banner)?.[1];
      if (url && banner.includes('Press Ctrl+C')) resolve({ child, url, banner });
    });
    child.stderr.on('data', (chunk) => reject(new Error(String(chunk))));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${banner}`)));
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}
