/**
 * The headless host as the end-to-end tests run it: what `scripts/serve.ts` starts (same options and
 * the same "console: <url>" line), with one difference for the tests: the services' clock reads an
 * offset in milliseconds from the file named by E2E_CLOCK_FILE (0 when absent), so a test can make a
 * session lie in the past — the only way to reach a COMPLETED booking, since bookings start at least
 * an hour ahead (R10) and only end afterwards (R17). Stripe's sandbox and webhook signatures keep real time.
 */
import { readFileSync } from 'node:fs';
import { argValue, loadConfig } from '../../src/main/config/config';
import type { Clock } from '../../src/main/domain/clock';
import { startHost } from '../../src/main/host';
import { consoleLogger } from '../../src/main/log';

function offsetMs(file: string | undefined): number {
  if (!file) return 0;
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(value) ? value : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const port = Number(argValue(argv, 'port') ?? '0');
  const host = argValue(argv, 'host') ?? '127.0.0.1';
  const clockFile = process.env['E2E_CLOCK_FILE'];
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs(clockFile)) };
  const running = await startHost({
    config: loadConfig(argv),
    logger: consoleLogger,
    host,
    port,
    clock,
    demoData: argv.includes('--no-demo') ? 'skip' : 'load',
  });
  consoleLogger.info(`LinguaFlex Ops console: ${running.url}`);
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
