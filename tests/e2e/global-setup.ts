import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ADMIN = { email: 'admin@e2e.test', password: 'admin password 1' };

/**
 * Starts the headless host (tests/e2e/host.ts: scripts/serve.ts with a clock the tests can shift) as a
 * child process on a fresh data dir and a free port.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-e2e-'));
  const clockFile = path.join(dataDir, 'clock-offset-ms');
  writeFileSync(clockFile, '0');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/e2e/host.ts', '--port', '0', '--data-dir', dataDir, '--no-demo'],
    {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        LINGUAFLEX_ADMIN_EMAIL: ADMIN.email,
        LINGUAFLEX_ADMIN_PASSWORD: ADMIN.password,
        E2E_CLOCK_FILE: clockFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The host did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /console: (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`The host exited with ${code ?? 'a signal'}:\n${output}`)));
  });
  process.env['E2E_BASE_URL'] = url;
  process.env['E2E_CLOCK_FILE'] = clockFile;
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
