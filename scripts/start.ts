/**
 * npm start: prepares the trusted side on its embedded defaults (or DATABASE_URL), runs the
 * system's timed transitions, and reports what it did.
 */
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../src/main/config/config';
import { startJobs } from '../src/main/jobs';
import { consoleLogger } from '../src/main/log';
import { startApp } from '../src/main/startup';

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(question)).trim().toLowerCase();
    return answer === '' || answer.startsWith('y');
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const config = loadConfig(argv);
  const demoData = argv.includes('--no-demo') ? 'skip' : process.stdin.isTTY ? ask : 'load';
  const { container } = await startApp({ config, logger: consoleLogger, demoData });
  const jobs = startJobs(container.services, consoleLogger, () => container.db.maintain());
  await jobs.runOnce();
  consoleLogger.info('LinguaFlex Ops is running its scheduled transitions (R16, R17). Press Ctrl+C to stop.');
  const stop = async () => {
    jobs.stop();
    await container.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
