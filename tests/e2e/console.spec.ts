import { expect, test } from '@playwright/test';
import { TRPCClientError } from '@trpc/client';
import { ADMIN } from './global-setup';
import { actionBar, baseUrl, screenshot, seedWorld, signInApi, signInUi } from './support';

test('each role signs in and sees what its role allows', async ({ page }) => {
  const world = await seedWorld();
  await world.book();
  const expectations = [
    { who: ADMIN, role: 'ADMIN', sees: ['New booking', 'Revenue', 'Settings'], hidden: [] as string[] },
    { who: world.staff.finance, role: 'FINANCE', sees: ['Revenue', 'Settings'], hidden: ['New booking'] },
    { who: world.staff.support, role: 'SUPPORT', sees: ['New booking'], hidden: ['Revenue', 'Settings'] },
  ];
  for (const { who, role, sees, hidden } of expectations) {
    await signInUi(page, who.email, who.password);
    await expect(page.getByTestId('who')).toContainText(role);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of sees) await expect(nav.getByRole('link', { name: label })).toBeVisible();
    for (const label of hidden) await expect(nav.getByRole('link', { name: label })).toHaveCount(0);
    await expect(page.getByTestId('booking-row').first()).toBeVisible();
    await screenshot(page, `queue-${role.toLowerCase()}`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  }
});

test('a wrong password is refused with the server’s message', async ({ page }) => {
  await page.goto(baseUrl());
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong email or password');
  await screenshot(page, 'sign-in-refused');
});

test('support creates a booking through the UI with the quote shown, an admin confirms it', async ({ page }) => {
  const world = await seedWorld();
  await signInUi(page, world.staff.support.email, world.staff.support.password);
  await page.getByRole('link', { name: 'New booking' }).click();
  await page.getByLabel('Search students').fill(world.student.name);
  await page.getByLabel('Student', { exact: true }).selectOption(String(world.student.id));
  await page.getByLabel('Search teachers').fill(world.teacher.name);
  await page.getByLabel('Teacher', { exact: true }).selectOption(String(world.teacher.id));
  await page.getByLabel('Gig', { exact: true }).selectOption(String(world.gig.id));
  await page.getByLabel('Length', { exact: true }).selectOption('90');
  const start = new Date(Date.now() + 5 * 24 * 3600_000);
  start.setMinutes(0, 0, 0);
  const local = new Date(start.getTime() - start.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.getByLabel('Start', { exact: true }).fill(local);
  // The server's quote for $50.00/h × 90 min, before submitting (R5, R6).
  const quote = page.getByTestId('quote');
  await expect(quote).toContainText('$75.00');
  await expect(quote).toContainText('$3.75');
  await expect(quote).toContainText('$78.75');
  await screenshot(page, 'new-booking');
  await page.getByRole('button', { name: 'Create booking' }).click();
  await expect(page.getByRole('heading', { name: /Booking #\d+/ })).toBeVisible();
  await expect(page.getByTestId('total')).toHaveText('$78.75');
  await expect(page.getByTestId('next-step')).toContainText('Waiting for the teacher');
  // Support may cancel but not confirm: the action bar shows exactly what the server offers.
  await expect(actionBar(page).getByRole('button', { name: 'Confirm', exact: true })).toHaveCount(0);
  await expect(actionBar(page).getByRole('button', { name: 'Cancel', exact: true })).toBeEnabled();
  const bookingUrl = page.url();

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(bookingUrl);
  await actionBar(page).getByRole('button', { name: 'Confirm', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('operator override');
  await screenshot(page, 'confirm-dialog');
  await dialog.getByRole('button', { name: 'Confirm for the teacher' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('heading', { name: /Booking #\d+/ })).toContainText('Awaiting payment');
  await expect(page.getByTestId('timeline')).toContainText('confirm');
  await expect(page.getByTestId('timeline')).toContainText('(admin)');
  await expect(page.getByTestId('next-step')).toContainText('must add a card and pay');
  // The server now offers the payment, the cancellation and a move, nothing else.
  await expect(actionBar(page).getByRole('button')).toHaveText(['Cancel', 'Move to another time', 'Take payment']);
  await screenshot(page, 'booking-detail');
});

test('another console’s change arrives live; acting on the stale page shows the server’s refusal', async ({
  browser,
}) => {
  const world = await seedWorld();
  const booking = await world.book();
  const first = await browser.newContext();
  const second = await browser.newContext();
  const one = await first.newPage();
  const two = await second.newPage();
  await signInUi(one, ADMIN.email, ADMIN.password);
  await signInUi(two, ADMIN.email, ADMIN.password);
  await one.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await expect(one.getByTestId('live-status')).toContainText('live');
  await expect(one.getByRole('heading', { name: /Booking #/ })).toContainText('Awaiting teacher');
  // Console one opens the decline dialog; console two confirms first.
  await actionBar(one).getByRole('button', { name: 'Decline' }).click();
  await two.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await actionBar(two).getByRole('button', { name: 'Confirm', exact: true }).click();
  await two.getByRole('dialog').getByRole('button', { name: 'Confirm for the teacher' }).click();
  await expect(two.getByRole('heading', { name: /Booking #/ })).toContainText('Awaiting payment');
  // Console one learns of it without reloading…
  await expect(one.getByRole('heading', { name: /Booking #/ })).toContainText('Awaiting payment', { timeout: 10_000 });
  // Its action bar follows: decline is no longer offered, the payment is.
  await expect(actionBar(one).getByRole('button', { name: 'Decline' })).toHaveCount(0);
  await expect(actionBar(one).getByRole('button', { name: 'Take payment' })).toBeEnabled();
  // …and its dialog, still open with the old version, gets the server's refusal.
  const dialog = one.getByRole('dialog');
  await dialog.getByRole('textbox').fill('Teacher is away');
  await dialog.getByRole('button', { name: 'Decline' }).click();
  await expect(dialog.getByRole('alert')).toContainText(`Booking ${booking.id} was changed by someone else`);
  // In words, without the code ("CONFLICT" stays in data.domainCode), with a button that does what it says.
  await expect(dialog.getByRole('alert')).toContainText('refresh this booking');
  await expect(dialog.getByRole('alert')).not.toContainText('CONFLICT');
  await screenshot(one, 'refused-conflict');
  await dialog.getByRole('button', { name: 'Refresh this booking' }).click();
  await expect(one.getByRole('dialog')).toHaveCount(0);
  await expect(one.getByRole('heading', { name: /Booking #/ })).toContainText('Awaiting payment');
  await first.close();
  await second.close();
});

test('a support user gets no admin actions, and calling them directly is refused', async ({ page }) => {
  const world = await seedWorld();
  const booking = await world.book();
  await signInUi(page, world.staff.support.email, world.staff.support.password);
  await page.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await expect(page.getByRole('heading', { name: /Booking #/ })).toBeVisible();
  await expect(actionBar(page).getByRole('button', { name: 'Confirm', exact: true })).toHaveCount(0);
  await expect(actionBar(page).getByRole('button', { name: 'Decline' })).toHaveCount(0);
  await expect(actionBar(page).getByRole('button', { name: 'Cancel', exact: true })).toBeEnabled();
  await page.goto(`${baseUrl()}/#/settings`);
  // Routed to a plain page before the settings screen asks the server anything.
  await expect(page.getByTestId('not-available')).toContainText('Not available to your role');
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  // Straight to the server with the support user's own token.
  const { client } = await signInApi(world.staff.support.email, world.staff.support.password);
  const error = await client.bookings.confirm.mutate({ id: booking.id }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(TRPCClientError);
  expect((error as TRPCClientError<never>).message).toContain('A SUPPORT user may not confirm bookings');
  const { client: admin } = await signInApi();
  expect((await admin.bookings.get.query({ id: booking.id })).status).toBe('PENDING');
});

test('revenue and settings screens', async ({ page }) => {
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/revenue`);
  await expect(page.getByRole('heading', { name: 'Revenue' })).toBeVisible();
  await screenshot(page, 'revenue');
  await page.goto(`${baseUrl()}/#/settings`);
  await expect(page.getByLabel('Platform fee percent')).toHaveValue('5');
  await page.getByLabel('Platform fee percent').fill('5.555');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('at most two decimals')).toBeVisible();
  await screenshot(page, 'settings');
});

test('keyboard: / focuses search, j/k move, Enter opens; dark theme', async ({ page }) => {
  const world = await seedWorld();
  await world.book();
  await world.book();
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.getByTestId('booking-row').first().waitFor();
  await page.keyboard.press('/');
  await expect(page.getByRole('combobox', { name: 'Search bookings' })).toBeFocused();
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 600 } });
  await page.keyboard.press('j');
  await expect(page.getByTestId('booking-row').nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('k');
  await expect(page.getByTestId('booking-row').nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Booking #/ })).toBeVisible();
  await page.getByRole('button', { name: 'Toggle theme' }).click();
  await screenshot(page, 'booking-detail-dark');
  await page.getByRole('combobox', { name: 'Search bookings' }).fill(world.student.name);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('booking-row')).toHaveCount(2);
});
