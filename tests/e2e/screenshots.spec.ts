import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { ADMIN } from './global-setup';
import { baseUrl, seedWorld, signInUi } from './support';

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
] as const;
const THEMES = ['light', 'dark'] as const;

test.setTimeout(120_000);

/**
 * Every screen at 1440×900 and 1024×700, light and dark, saved in test-results/screenshots/ for people
 * to look at (issue 12). The run fails if a screen does not come up, not on how it looks.
 */
test('screenshots of every screen, both sizes, both themes', async ({ page }) => {
  const world = await seedWorld();
  const { booking } = await world.paidBooking();
  const screens: [string, string, string][] = [
    ['queue-awaiting-teacher', '#/queues/AWAITING_CONFIRMATION', 'Awaiting teacher'],
    ['queue-all', '#/queues/ALL', 'All bookings'],
    ['booking', `#/bookings/${booking.id}`, `Booking #${booking.id}`],
    ['new-booking', '#/new', 'New booking'],
    ['payments', '#/payments', 'Payments'],
    ['refunds', '#/refunds', 'Refund requests'],
    ['reconciliation', '#/operations', 'Reconciliation'],
    ['audit', '#/audit', 'Audit log'],
    ['revenue', '#/revenue', 'Revenue'],
    ['payouts', '#/payouts', 'Payouts'],
    ['ledger', '#/ledger', 'Ledger'],
    ['settings', '#/settings', 'Settings'],
    ['student', `#/people/students/${world.student.id}`, world.student.name],
    ['teacher', `#/people/teachers/${world.teacher.id}`, world.teacher.name],
  ];
  mkdirSync('test-results/screenshots', { recursive: true });
  const shoot = (name: string, theme: string, width: number) =>
    page.screenshot({ path: `test-results/screenshots/${name}-${width}-${theme}.png`, fullPage: true });

  await page.setViewportSize(SIZES[0]);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(baseUrl());
  await page.getByLabel('Email').waitFor();
  await shoot('sign-in', 'light', SIZES[0].width);
  await signInUi(page, ADMIN.email, ADMIN.password);
  for (const theme of THEMES) {
    // The console's own toggle (it keeps the choice); the page is not reloaded.
    if ((await page.locator('html').getAttribute('data-theme')) !== theme)
      await page.getByRole('button', { name: 'Toggle theme' }).click();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const [name, hash, heading] of screens) {
        await page.goto(`${baseUrl()}/${hash}`);
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        await expect(page.getByRole('heading', { level: 1 }).first()).toContainText(heading);
        // Lists and charts settle (no spinner left) before the picture.
        await expect(page.getByRole('status').filter({ hasText: /Loading|Summing/ })).toHaveCount(0);
        await shoot(name, theme, size.width);
      }
      await page.keyboard.press('?');
      await expect(page.getByTestId('shortcuts')).toBeVisible();
      await shoot('shortcuts', theme, size.width);
      await page.keyboard.press('Escape');
    }
  }
});
