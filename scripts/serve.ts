/**
 * npm run serve -- [--port N] [--host 127.0.0.1] [--data-dir DIR] [--no-demo] [--verbose]
 * The headless host: services and router over HTTP at /trpc plus the built console, for running
 * the trusted side on a server, for a machine without the Electron binary, and for end-to-end tests.
 * --verbose prints where the start spent its time (database open, migrations check, sandboxes, …),
 * and, once done, what ran after the console was usable (demo set, reconciliation).
 */
import { argValue, loadConfig } from '../src/main/config/config';
import { startHost } from '../src/main/host';
import { structuredLogger } from '../src/main/log';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const portText = argValue(argv, 'port') ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535, got "${portText}"`);
  const host = argValue(argv, 'host') ?? '127.0.0.1';
  const config = loadConfig(argv);
  // Structured JSON logs (pino) with secrets redacted; the console's address also as a plain line.
  const { pino, logger } = structuredLogger();
  const running = await startHost({
    config,
    logger,
    pino,
    host,
    port,
    demoData: argv.includes('--no-demo') ? 'skip' : 'load',
    trustProxy: process.env['LINGUAFLEX_TRUST_PROXY'] === 'true',
  });
  console.log(`LinguaFlex Ops console: ${running.url}`);
  if (argv.includes('--verbose')) {
    console.log('Start-up:');
    for (const line of running.timer.lines()) console.log(line);
    void running.background.then(() => {
      console.log('After the console was usable:');
      for (const phase of running.timer.phases.filter((entry) => entry.background))
        console.log(`${Math.round(phase.ms).toString().padStart(6)} ms  ${phase.name}`);
    });
  }
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
