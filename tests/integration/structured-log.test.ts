import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { structuredLogger } from '../../src/main/log';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The host's structured logger writing to a file (flushed every `flushEveryMs`), and that file's lines. */
function loggedToFile(flushEveryMs: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-log-'));
  const file = path.join(dir, 'host.log');
  const fd = openSync(file, 'a');
  cleanups.push(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const { logger } = structuredLogger('info', { fd, flushEveryMs });
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string });
  return { logger, readLines: lines };
}

async function eventually<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('structured log: lines written in blocks, warnings and errors at once', () => {
  it('holds a few request lines until the periodic flush, then writes them in order', async () => {
    const { logger, readLines } = loggedToFile(100);
    logger.info('GET /api/bookings/bookings/1/ 200');
    logger.info('GET /api/bookings/bookings/2/ 200');
    expect(readLines()).toEqual([]); // nothing written while the block is small
    const lines = await eventually(readLines, (found) => found.length === 2);
    expect(lines.map((line) => line.msg)).toEqual([
      'GET /api/bookings/bookings/1/ 200',
      'GET /api/bookings/bookings/2/ 200',
    ]);
  });

  it('writes a warning or an error at once, with the lines that waited before it', async () => {
    // A flush a minute away: only the warning itself can make these lines appear during the test.
    const { logger, readLines } = loggedToFile(60_000);
    logger.info('outbox pass');
    logger.warn('Delivery of email booking:1:paid:student failed (attempt 1): connection refused');
    const afterWarning = await eventually(readLines, (found) => found.length === 2);
    expect(afterWarning.map((line) => [line.level, line.msg])).toEqual([
      [30, 'outbox pass'],
      [40, 'Delivery of email booking:1:paid:student failed (attempt 1): connection refused'],
    ]);
    logger.error('Outbox pass failed', new Error('database gone'));
    const afterError = await eventually(readLines, (found) => found.length === 3);
    expect(afterError[2]).toMatchObject({ level: 50, msg: 'Outbox pass failed' });
  });

  it('writes a block as soon as 4 KB of lines wait, without waiting for the flush', async () => {
    const { logger, readLines } = loggedToFile(60_000);
    for (let index = 0; index < 60; index += 1) logger.info(`request ${index} ${'x'.repeat(60)}`);
    const lines = await eventually(readLines, (found) => found.length >= 40);
    expect(lines.length).toBeGreaterThanOrEqual(40);
    expect(lines[0]?.msg).toBe(`request 0 ${'x'.repeat(60)}`);
  });
});
