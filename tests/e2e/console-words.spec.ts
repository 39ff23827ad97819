import { expect, test, type Locator } from '@playwright/test';
import { ADMIN } from './global-setup';
import { actionBar, baseUrl, screenshot, seedWorld, signInApi, signInUi } from './support';

/** Issue 12: the console as its users read it — true labels, a session that survives a reload, errors in words. */

async function openButtons(bar: Locator): Promise<string[]> {
  const buttons = bar.getByRole('button');
  const open: string[] = [];
  for (let index = 0; index < (await buttons.count()); index += 1) {
    const button = buttons.nth(index);
    if (await button.isEnabled()) open.push((await button.textContent())?.trim() ?? '');
  }
  return open.sort();
}

test('a payment in progress reads "Payment in progress" in the awaiting-payment queue, never "Awaiting teacher"', async ({
  page,
}) => {
  const world = await seedWorld();
  const booking = await world.book();
  await world.admin.bookings.confirm.mutate({ id: booking.id });
  // A 3-D Secure card: the payment waits for the student to authenticate.
  const method = await world.admin.payments.attachMethod.mutate({
    studentId: world.student.id,
    paymentMethodId: 'pm_card_authenticationRequired',
  });
  const intent = await world.admin.payments.createIntent.mutate({
    bookingId: booking.id,
    paymentMethodId: method.paymentMethodId,
  });
  await world.admin.payments.confirm.mutate({
    paymentIntentId: intent.paymentIntentId,
    paymentMethodId: method.paymentMethodId,
  });
  await expect
    .poll(async () => (await world.admin.bookings.get.query({ id: booking.id })).paymentStatus)
    .toBe('PENDING');

  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/queues/AWAITING_PAYMENT/${encodeURIComponent(`#${booking.id}`)}`);
  const row = page.getByTestId('booking-row').filter({ hasText: `#${booking.id}` });
  await expect(row).toContainText('Payment in progress');
  await expect(row).not.toContainText('Awaiting teacher');
  await screenshot(page, 'queue-awaiting-payment-in-progress');

  await row.click();
  const heading = page.getByRole('heading', { name: /Booking #/ });
  await expect(heading).toContainText('Payment in progress');
  await expect(heading).not.toContainText('Awaiting teacher');
});

test('a reload keeps the session, held in an HttpOnly SameSite=Strict cookie no script can read', async ({
  page,
  context,
}) => {
  await signInUi(page, ADMIN.email, ADMIN.password);
  const cookie = (await context.cookies()).find((candidate) => candidate.name === 'linguaflex_session');
  expect(cookie).toBeDefined();
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Strict');
  // The page's scripts see no token at all.
  expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe(
    '',
  );

  await page.reload();
  await expect(page.getByTestId('who')).toBeVisible();
  await expect(page.getByLabel('Password')).toHaveCount(0);
  await page.goto(`${baseUrl()}/#/queues/ALL`);
  await expect(page.getByTestId('who')).toBeVisible();

  // Signing out ends it: a reload then shows the sign-in form.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByLabel('Password')).toBeVisible();
  await expect
    .poll(async () => (await context.cookies()).some((candidate) => candidate.name === 'linguaflex_session'))
    .toBe(false);
  await page.reload();
  await expect(page.getByLabel('Password')).toBeVisible();
});

test('a wrong password is said once, without a code', async ({ page }) => {
  await page.goto(baseUrl());
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Wrong email or password')).toHaveCount(1);
  await expect(page.getByRole('main')).not.toContainText('UNAUTHENTICATED');
});

test('a refused refund names its amounts in the currency, without codes or minor units', async ({ page }) => {
  const world = await seedWorld();
  const past = await world.completedBooking();
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/bookings/${past.booking.id}`);
  await actionBar(page).getByRole('button', { name: 'Request refund' }).click();
  const dialog = page.getByRole('dialog', { name: 'Request refund' });
  await expect(dialog).toContainText('$26.25 remains refundable');
  await dialog.getByLabel('Refund amount').fill('26.26');
  await dialog.getByLabel('Reason (required)').fill('One cent too many');
  await dialog.getByRole('button', { name: 'File request' }).click();
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('The refund of $26.26 exceeds the $26.25 still refundable');
  await expect(alert).not.toContainText('2626');
  await expect(alert).not.toContainText('REFUND_EXCEEDS_REMAINING');
  await expect(alert).not.toContainText('(');
  await screenshot(page, 'error-formatted-money');
});

test('the action bar offers exactly what the server will accept; a page a role may not see says so plainly', async ({
  page,
}) => {
  const world = await seedWorld();
  const future = await world.paidBooking();
  const past = await world.completedBooking();
  const { client: support } = await signInApi(world.staff.support.email, world.staff.support.password);

  await signInUi(page, world.staff.support.email, world.staff.support.password);
  for (const id of [future.booking.id, past.booking.id]) {
    await page.goto(`${baseUrl()}/#/bookings/${id}`);
    await expect(page.getByRole('heading', { name: /Booking #/ })).toBeVisible();
    const offered = await support.bookings.get.query({ id });
    const open = offered.actions.filter((offer) => offer.open).map((offer) => offer.label);
    await expect.poll(() => openButtons(actionBar(page))).toEqual([...open].sort());
    // Nothing outside the bar acts on the booking: the payment card offers no button of its own.
    await expect(
      page.getByRole('region', { name: 'Payment' }).getByRole('button', { name: /Take payment|Request refund/ }),
    ).toHaveCount(0);
  }

  // Pages support may not see: the plain page, without the page's frame, failed calls or "Try again".
  const calls: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/trpc/')) calls.push(new URL(request.url()).pathname);
  });
  for (const [path, name] of [
    ['revenue', 'Revenue'],
    ['payouts', 'Payouts'],
    ['ledger', 'The ledger'],
  ] as const) {
    await page.goto(`${baseUrl()}/#/${path}`);
    const notice = page.getByTestId('not-available');
    await expect(notice).toContainText('Not available to your role');
    await expect(notice).toContainText(name);
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  }
  expect(calls.filter((call) => /reports\.|payouts\.|ledger\./.test(call))).toEqual([]);
  await screenshot(page, 'not-available-to-support');
});
