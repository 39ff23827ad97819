/**
 * npm run bench:console [-- --bookings 1000000] [--loads 20]
 * With N bookings in an embedded database behind the headless host:
 *  - time from navigating to a queue until its first page is visible in Chromium (cold: not cached);
 *  - frame times while scrolling a 10,000-row window;
 *  - the router's overhead per call over IPC fakes and over HTTP, against calling the service directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import superjson from 'superjson';
import { appRouter, createCaller, type AppRouter } from '../src/main/api/root';
import { apiContext } from '../src/main/api/context';
import type { ApiContext } from '../src/main/api/trpc';
import { argValue } from '../src/main/config/config';
import { seedDatabase } from '../src/main/db/bulk-seed';
import { startHost } from '../src/main/host';
import { createTrpcIpcHandler } from '../src/main/ipc/trpc-ipc-handler';
import { silentLogger } from '../src/main/log';
import { ipcLink } from '../src/renderer/src/ipc-link';
import { FakeIpcMain, FakeWindow } from '../tests/support/ipc-fakes';

const ADMIN = { email: 'bench@ops.test', password: 'bench password 1' };
const QUEUE_LABELS: Record<string, string> = {
  AWAITING_PAYMENT: 'Awaiting payment',
  PAYMENT_FAILED: 'Payment failed',
  UPCOMING: 'Upcoming paid',
  TO_COMPLETE: 'To complete',
  CANCELLED: 'Cancelled',
  COMPLETED: 'Completed',
  REFUNDED: 'Refunded',
};

const pct = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const fmt = (samples: number[]) =>
  `p50 ${pct(samples, 50).toFixed(2)} ms · p95 ${pct(samples, 95).toFixed(2)} ms · n=${samples.length}`;

async function timeCalls(iterations: number, call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 50; i += 1) await call();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const bookings = Number(argValue(argv, 'bookings') ?? '1000000');
  const loads = Number(argValue(argv, 'loads') ?? '20');
  const work = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-bench-console-'));
  const host = await startHost({
    config: { dataDir: work, database: { kind: 'pglite', dataDir: path.join(work, 'db') }, firstAdmin: ADMIN },
    logger: silentLogger,
    demoData: 'skip',
    jobIntervalMs: 3_600_000,
  });
  try {
    process.stdout.write(`seeding ${bookings.toLocaleString('en-US')} bookings… `);
    const started = performance.now();
    await seedDatabase(host.container.db, { bookings, seed: 1, now: new Date(Date.UTC(2026, 10, 1)) });
    console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);

    // ---- router overhead ----------------------------------------------------------------
    const services = host.container.services;
    const session = await services.auth.login(ADMIN);
    const actor = { kind: 'STAFF' as const, id: session.staff.id, role: session.staff.role };
    const ctx: ApiContext = apiContext(host.container, silentLogger, session.token);
    const caller = createCaller(ctx);
    const ipcMain = new FakeIpcMain();
    const handler = createTrpcIpcHandler({
      ipcMain,
      router: appRouter,
      createContext: (token) => ({ ...ctx, token }),
      isTrustedUrl: () => true,
    });
    const fakeWindow = new FakeWindow(ipcMain, 'app://console/index.html');
    const ipcClient = createTRPCClient<AppRouter>({
      links: [ipcLink({ bridge: fakeWindow.bridge(), transformer: superjson, getToken: () => null })],
    });
    // The main process keeps a window's token (the renderer never holds it): sign in over IPC first.
    await ipcClient.auth.login.mutate(ADMIN);
    const headers = { authorization: `Bearer ${session.token}` };
    const httpClient = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${host.url}/trpc`, transformer: superjson, headers })],
    });
    const batchClient = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${host.url}/trpc`, transformer: superjson, headers })],
    });
    // The probe is a procedure whose body is exactly one service call, so the difference is the router.
    const id = 42;
    const iterations = 2000;
    // Interleave rounds so machine noise hits every path alike; medians per path.
    const paths: Record<string, () => Promise<unknown>> = {
      direct: () => services.people.getStudent.run(actor, { id }),
      caller: () => caller.people.getStudent({ id }),
      'ipc fakes': () => ipcClient.people.getStudent.query({ id }),
      http: () => httpClient.people.getStudent.query({ id }),
      'http batch': () => batchClient.people.getStudent.query({ id }),
    };
    const results: Record<string, number[]> = {};
    for (let round = 0; round < 4; round += 1) {
      for (const [name, call] of Object.entries(paths))
        (results[name] ??= []).push(...(await timeCalls(iterations / 4, call)));
    }
    handler.dispose();
    const direct = pct(results['direct'] ?? [], 50);
    console.log('\nRouter overhead for people.getStudent (the service alone vs through the router):');
    for (const [name, samples] of Object.entries(results)) {
      const added = pct(samples, 50) - direct;
      console.log(
        `  ${name.padEnd(10)} ${fmt(samples)}${name === 'direct' ? '' : `  → added p50 ${added.toFixed(3)} ms`}`,
      );
    }
    console.log(
      '  (http batch waits one setTimeout tick to gather calls into a batch; that wait is part of its figure)',
    );

    // ---- the console in Chromium ---------------------------------------------------------
    const browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const navigation: number[] = [];
    for (let load = 0; load < loads; load += 1) {
      // A cold start each time: the session cookie would otherwise keep the console signed in.
      await page.context().clearCookies();
      await page.goto(host.url);
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('booking-row').first().waitFor({ timeout: 30_000 });
      for (const [queue, label] of Object.entries(QUEUE_LABELS)) {
        // From the click to the first rows of that (not yet cached) queue being on screen.
        // In-page code goes as a string: tsx would add helpers to a function that the page lacks.
        const elapsed = await page.evaluate<number>(`(async () => {
          const link = document.querySelector('[data-testid="queue-link-${queue}"]');
          const startedAt = performance.now();
          link.click();
          await new Promise((resolve) => {
            const check = () => {
              const section = document.querySelector('section[aria-label="${label}"]');
              if (section && section.querySelector('[data-testid="booking-row"], .state-empty')) resolve();
              else requestAnimationFrame(check);
            };
            check();
          });
          return performance.now() - startedAt;
        })()`);
        navigation.push(elapsed);
      }
    }
    console.log(
      `\nNavigation to a queue until its first page is visible (cold, ${bookings.toLocaleString('en-US')} bookings): ${fmt(navigation)}`,
    );

    // Scroll a window of 10,000 rows: load them, then scroll top to bottom frame by frame.
    await page.evaluate(`window.location.hash = '#/queues/ALL'`);
    await page.getByTestId('booking-row').first().waitFor();
    for (let guard = 0; guard < 600; guard += 1) {
      const shown = await page.locator('.grid-foot').innerText();
      if (Number(/^(\d+) shown/.exec(shown)?.[1] ?? 0) >= 10_000) break;
      await page.evaluate(
        `(() => { const el = document.querySelector('[data-testid="queue-scroll"]'); el.scrollTop = el.scrollHeight; })()`,
      );
      await page.waitForTimeout(40);
    }
    const frames = await page.evaluate<number[]>(`(async () => {
      const element = document.querySelector('[data-testid="queue-scroll"]');
      element.scrollTop = 0;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const stamps = [];
      const end = element.scrollHeight - element.clientHeight;
      const step = end / 600;
      let position = 0;
      await new Promise((resolve) => {
        const tick = (time) => {
          stamps.push(time);
          position += step;
          element.scrollTop = position;
          if (position >= end) resolve();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      return stamps.slice(1).map((stamp, index) => stamp - stamps[index]);
    })()`);
    const rowsLoaded = await page.locator('.grid-foot').innerText();
    // A frame "over 16 ms" is one that missed its vsync (60 Hz): an interval of 1.5 frames or more.
    const dropped = frames.filter((frame) => frame >= 25).length;
    console.log(
      `Scrolling ${rowsLoaded.split(' ')[0]} rows top to bottom in ${frames.length} frames: frame p50 ${pct(frames, 50).toFixed(1)} ms, p95 ${pct(frames, 95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms, ${dropped} frame(s) missed (≥ 25 ms)`,
    );
    await browser.close();
    console.log('\nTargets: navigation p95 < 300 ms; no scroll frame over 16 ms; router overhead < 1 ms p50 added.');
  } finally {
    await host.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
