import { expect, test, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { ADMIN } from './global-setup';
import { baseUrl, seedWorld, setClockOffset, signInApi, signInUi } from './support';

/** The few DOM pieces the measurement needs (the tests compile without the DOM library). */
interface Box {
  scrollWidth: number;
  clientWidth: number;
}
interface DomGlobals {
  document: { querySelector(selector: string): Box | null; documentElement: Box };
}

async function widths(page: Page, selector: string): Promise<Box | null> {
  return page.evaluate((wanted) => {
    const element = (globalThis as unknown as DomGlobals).document.querySelector(wanted);
    return element ? { scrollWidth: element.scrollWidth, clientWidth: element.clientWidth } : null;
  }, selector);
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);

test('the queue at 1024 px (and the 960 px minimum) needs no horizontal scrolling: Total, Status and Payment on screen', async ({
  page,
}) => {
  const world = await seedWorld();
  await world.paidBooking();
  await page.setViewportSize({ width: 1024, height: 700 });
  await signInUi(page, ADMIN.email, ADMIN.password);
  for (const width of [1024, 960]) {
    await page.setViewportSize({ width, height: 700 });
    await page.goto(`${baseUrl()}/#/queues/ALL`);
    await expect(page.getByTestId('booking-row').first()).toBeVisible();
    const head = page.getByRole('row').first();
    await expect(head.getByRole('columnheader', { name: /Total/ })).toBeInViewport();
    await expect(head.getByRole('columnheader', { name: /Status/ })).toBeInViewport();
    await expect(head.getByRole('columnheader', { name: /payment/i })).toBeInViewport();
    // At 1024 px status and payment still have a column each; at 960 px they share one, stacked.
    if (width === 1024) await expect(head.getByRole('columnheader', { name: 'Payment', exact: true })).toBeInViewport();
    for (const selector of ['[data-testid="queue-scroll"]', '.content', 'html']) {
      const box = await widths(page, selector);
      expect(box, selector).not.toBeNull();
      expect(box?.scrollWidth, `${selector} at ${width} px`).toBeLessThanOrEqual(box?.clientWidth ?? 0);
    }
  }
  // At 1440 px every column shows, "Requested" included and not clipped.
  await page.setViewportSize({ width: 1440, height: 900 });
  const requested = page.getByRole('columnheader', { name: 'Requested' });
  await expect(requested).toBeInViewport({ ratio: 1 });
  const cell = page.getByTestId('booking-row').first().getByRole('cell').last();
  const clipped = await cell.evaluate((element: unknown) => {
    const box = element as Box;
    return box.scrollWidth > box.clientWidth;
  });
  expect(clipped).toBe(false);
});

test('a refund request appears live in another console’s refund list', async ({ page }) => {
  const world = await seedWorld();
  const { paymentId } = await world.completedBooking();
  await signInUi(page, world.staff.finance.email, world.staff.finance.password);
  await page.goto(`${baseUrl()}/#/refunds`);
  await expect(page.getByTestId('live-status')).toContainText('live');
  await expect(page.getByRole('heading', { name: 'Refund requests' })).toBeVisible();
  // Another console (support, over the API) files the request; this page is not reloaded or re-tabbed.
  const { client: support } = await signInApi(world.staff.support.email, world.staff.support.password);
  const request = await support.refunds.request.mutate({ paymentId, amountMinor: 700, reason: 'Started late' });
  await expect(page.getByTestId(`refund-request-${request.id}`)).toBeVisible({ timeout: 5_000 });
});

test('the revenue CSV parses back with a CSV library into one table, its header naming currency and unit', async ({
  page,
}) => {
  const world = await seedWorld();
  const { booking } = await world.paidBooking();
  await signInUi(page, world.staff.finance.email, world.staff.finance.password);
  await page.goto(`${baseUrl()}/#/revenue`);
  await expect(page.getByRole('group', { name: 'Presets' })).toBeVisible();
  const first = utcDay(new Date(booking.startsAt.getTime() - 2 * 86_400_000));
  const last = utcDay(booking.startsAt);
  await page.getByLabel('From').fill(first);
  await page.getByLabel('To (included)').fill(last);
  await expect(page.getByTestId('revenue-totals')).toContainText('USD');
  // The day chart shows every day of the range, the empty ones too; the axis names the currency.
  await expect(page.getByTestId('revenue-chart').first()).toContainText('USD');

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV', exact: true }).click();
  const file = await downloading;
  const rows = parse(readFileSync(await file.path(), 'utf8'));
  const [head, ...body] = rows;
  expect(head?.[0]).toBe('day (UTC)');
  expect(head).toContain('USD gross (USD, major units, 2 decimals)');
  expect(head).toContain('USD net after refunds (USD, major units, 2 decimals)');
  expect(body.map((row) => row[0])).toEqual([first, utcDay(new Date(booking.startsAt.getTime() - 86_400_000)), last]);
  for (const row of body) expect(row).toHaveLength(head?.length ?? 0);
  const gross = head?.indexOf('USD gross (USD, major units, 2 decimals)') ?? -1;
  expect(body.at(-1)?.[gross]).toMatch(/^\d+\.\d{2}$/);
  expect(Number(body.at(-1)?.[gross])).toBeGreaterThan(0);

  const teachers = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export per-teacher CSV' }).click();
  const teacherRows = parse(readFileSync(await (await teachers).path(), 'utf8'));
  expect(teacherRows[0]?.slice(0, 2)).toEqual(['teacher id', 'teacher']);
  expect(teacherRows.some((row) => row[1] === world.teacher.name)).toBe(true);
});

test('search: the top box and the queue filter agree, suggestions as you type; ? shows shortcuts; Tab reaches rows; queue CSV', async ({
  page,
}) => {
  const world = await seedWorld();
  const booking = await world.book();
  await signInUi(page, ADMIN.email, ADMIN.password);
  const top = page.getByRole('combobox', { name: 'Search bookings and people' });
  const filter = page.getByLabel('Filter this queue');

  // Suggestions: the person by name, a booking by id.
  // The whole name: earlier tests on this host made many students whose names start alike.
  await top.fill(world.student.name);
  const suggestions = page.getByRole('listbox', { name: 'Suggestions' });
  await expect(suggestions.getByRole('option', { name: new RegExp(world.student.name) })).toBeVisible();
  await top.fill(`#${booking.id}`);
  await suggestions.getByRole('option', { name: `Booking #${booking.id} (booking)` }).click();
  await expect(page.getByRole('heading', { name: new RegExp(`Booking #${booking.id}`) })).toBeVisible();
  // Away from the queues the top box keeps no stale text.
  await expect(top).toHaveValue('');

  // Searching fills the queue's filter; changing the filter updates the top box.
  await top.fill(world.student.name);
  await top.press('Enter');
  await expect(filter).toHaveValue(world.student.name);
  await expect(page.getByTestId('booking-row')).toHaveCount(1);
  await filter.fill(world.teacher.name);
  await expect(top).toHaveValue(world.teacher.name);
  await expect(page.getByTestId('booking-row')).toHaveCount(1);

  // Every booking the filter matches, as one CSV table.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const rows = parse(readFileSync(await (await downloading).path(), 'utf8'));
  expect(rows[0]?.[0]).toBe('booking id');
  expect(rows.slice(1).map((row) => row[0])).toEqual([String(booking.id)]);
  expect(rows[1]).toContain('USD');

  // Rows are reachable with Tab; Enter opens the focused one.
  const row = page.getByTestId('booking-row').first();
  await row.focus();
  await expect(row).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: new RegExp(`Booking #${booking.id}`) })).toBeVisible();

  await page.locator('body').click({ position: { x: 5, y: 650 } });
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('j / k');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toHaveCount(0);
});

test('search: the top search lists an upcoming booking before an older (past) one', async ({ page }) => {
  const world = await seedWorld();
  // The older booking is made first (lower id, earlier start): with the host's clock three hours back it
  // starts about two hours before now; the other starts in two days. Oldest first would list it first.
  const back = 3 * 3600_000;
  setClockOffset(-back);
  const past = await world.admin.bookings.create
    .mutate({
      studentId: world.student.id,
      gigId: world.gig.id,
      startsAt: new Date(Date.now() - back + 65 * 60_000),
      minutes: 30,
    })
    .finally(() => setClockOffset(0));
  const upcoming = await world.book();
  expect(past.id).toBeLessThan(upcoming.id);

  await signInUi(page, ADMIN.email, ADMIN.password);
  const top = page.getByRole('combobox', { name: 'Search bookings and people' });
  await top.fill(world.student.name);
  await top.press('Enter');
  const rows = page.getByTestId('booking-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).getByRole('cell').first()).toHaveText(`#${upcoming.id}`);
  await expect(rows.nth(1).getByRole('cell').first()).toHaveText(`#${past.id}`);
});

test('the Payments page searches on the server: names, #booking id, no match', async ({ page }) => {
  const world = await seedWorld();
  const { booking } = await world.paidBooking();
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Payments' }).click();
  await page.getByRole('tab', { name: 'Paid' }).click();
  const search = page.getByLabel('Search payments');
  const table = page.getByTestId('payments-table');
  await search.fill(world.student.name);
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table).toContainText(`#${booking.id}`);
  await expect(table).toContainText(world.teacher.name);
  await search.fill(`#${booking.id}`);
  // The payment's own id may equal another booking's: the row of this booking is among the matches.
  await expect(table.locator(`a[href="#/bookings/${booking.id}"]`)).toBeVisible();
  await search.fill(`no one called ${world.tag}`);
  await expect(page.getByText('No payment matches.')).toBeVisible();
  await expect(page.getByTestId('payments-paging')).toContainText('all shown');
});
