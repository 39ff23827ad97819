import { expect, test, type Locator } from '@playwright/test';
import { ADMIN } from './global-setup';
import { actionBar, baseUrl, recordTexts, screenshot, seedWorld, signInApi, signInUi } from './support';

/** Every button of the action bar as [label, enabled]. */
async function barButtons(bar: Locator): Promise<[string, boolean][]> {
  const buttons = await bar.getByRole('button').all();
  return Promise.all(
    buttons.map(async (button) => [(await button.innerText()).trim(), await button.isEnabled()] as [string, boolean]),
  );
}

test('the action bar offers exactly what the server accepts: a future paid booking shows “Mark completed” closed with its reason', async ({
  page,
}) => {
  const world = await seedWorld();
  const { booking } = await world.paidBooking();
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await expect(page.getByRole('heading', { name: /Booking #/ })).toContainText('Paid');
  const bar = actionBar(page);
  const complete = bar.getByRole('button', { name: 'Mark completed' });
  await expect(complete).toBeDisabled();
  // The reason is on screen and is the button's accessible description, not only a tooltip.
  await expect(complete).toHaveAccessibleDescription(/cannot be completed before then/);
  await expect(bar.getByTestId('action-reason-complete')).toBeVisible();
  await expect(bar.getByRole('button', { name: 'Cancel with full refund' })).toBeEnabled();
  for (const refused of ['Take payment', 'Request refund', 'Confirm', 'Decline', 'Cancel'])
    await expect(bar.getByRole('button', { name: refused, exact: true })).toHaveCount(0);

  // The bar is the server's list for this user, open ones enabled and nothing more.
  const detail = await world.admin.bookings.get.query({ id: booking.id });
  expect(await barButtons(bar)).toEqual(detail.actions.map((offer) => [offer.label, offer.open]));
  expect(detail.availableActions).toEqual(['cancel_paid', 'reschedule']);

  // Clicking the closed action does nothing; the server refuses it with the same reason.
  await complete.click({ force: true });
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const refusal = await world.admin.bookings.complete
    .mutate({ id: booking.id })
    .catch((error: unknown) => error as Error);
  expect((refusal as Error).message).toContain('cannot be completed before then');
  await expect(page.getByRole('heading', { name: /Booking #/ })).toContainText('Confirmed');
  await screenshot(page, 'actions-closed-with-reason');
});

test('a support user sees “Request refund” on a completed session but never “Cancel with full refund”', async ({
  page,
}) => {
  const world = await seedWorld();
  const future = await world.paidBooking();
  const past = await world.completedBooking();
  await signInUi(page, world.staff.support.email, world.staff.support.password);

  // A future paid booking: the admin-only cancellation with refund is not offered to support; a move is (R51).
  await page.goto(`${baseUrl()}/#/bookings/${future.booking.id}`);
  await expect(page.getByRole('heading', { name: /Booking #/ })).toContainText('Paid');
  await expect(actionBar(page).getByRole('button', { name: 'Move to another time' })).toBeEnabled();
  expect(await barButtons(actionBar(page))).toEqual([['Move to another time', true]]);
  const { client: admin } = await signInApi();
  expect((await admin.bookings.get.query({ id: future.booking.id })).availableActions).toContain('cancel_paid');

  // The completed session: support may ask for a refund (another staff member approves it).
  await page.goto(`${baseUrl()}/#/bookings/${past.booking.id}`);
  const heading = page.getByRole('heading', { name: /Booking #/ });
  await expect(heading).toContainText('Completed');
  const bar = actionBar(page);
  await expect(bar.getByRole('button', { name: 'Cancel with full refund' })).toHaveCount(0);
  expect(await barButtons(bar)).toEqual([['Request refund', true]]);
  await bar.getByRole('button', { name: 'Request refund' }).click();
  const dialog = page.getByRole('dialog', { name: 'Request refund' });
  await expect(dialog).toContainText('$26.25 remains refundable');
  await dialog.getByLabel('Refund amount').fill('10.00');
  await dialog.getByLabel('Reason (required)').fill('Connection problems for ten minutes');
  await dialog.getByRole('button', { name: 'File request' }).click();
  await expect(dialog).toHaveCount(0);
  const refunds = page.getByRole('table', { name: 'Refunds' });
  await expect(refunds).toContainText('$10.00');
  await expect(refunds).toContainText('Requested — awaiting approval');
  await expect(page.getByTestId('payment')).toContainText('$10.00 reserved by open refund requests');
  // Support cannot process refunds: no retry or send-again buttons.
  await expect(refunds.getByRole('button')).toHaveCount(0);
  await screenshot(page, 'support-refund-requested');
});

test('a refund Stripe accepts and then fails: succeeded, then live failed with Stripe’s reason, payment back to paid, retry offered', async ({
  browser,
}) => {
  const world = await seedWorld();
  const { booking, paymentId } = await world.completedBooking('pm_card_refundFail');
  const adminContext = await browser.newContext();
  const financeContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const finance = await financeContext.newPage();
  await signInUi(admin, ADMIN.email, ADMIN.password);
  await admin.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await expect(admin.getByTestId('live-status')).toContainText('live');
  const heading = admin.getByRole('heading', { name: /Booking #/ });
  await expect(heading).toContainText('Completed');
  await expect(heading).toContainText('Paid');
  await expect(admin.getByTestId('attempt-card')).toHaveText(['visa •••• 5126']);

  // The admin files the request from the action bar.
  await actionBar(admin).getByRole('button', { name: 'Request refund' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Request refund' });
  await dialog.getByLabel('Refund amount').fill('20.00');
  await dialog.getByLabel('Reason (required)').fill('Session started late');
  await dialog.getByRole('button', { name: 'File request' }).click();
  await expect(dialog).toHaveCount(0);
  const [payment] = await world.admin.payments.forBooking.query({ bookingId: booking.id });
  const request = payment?.refunds[0];
  if (!request) throw new Error('The refund request was not filed');
  expect(payment.id).toBe(paymentId);
  const row = admin.getByTestId(`refund-${request.id}`);
  await expect(row).toContainText('Requested — awaiting approval');

  // What the admin's page shows, from now on, without reloading.
  const statuses = await recordTexts(admin, `[data-testid="refund-${request.id}"] [data-testid="refund-status"]`);
  const headings = await recordTexts(admin, 'h1');

  // Finance approves in its own console; Stripe accepts the refund, then fails it about 1.5 s later.
  await signInUi(finance, world.staff.finance.email, world.staff.finance.password);
  await finance.goto(`${baseUrl()}/#/refunds`);
  const financeRow = finance.getByTestId(`refund-request-${request.id}`);
  await financeRow.getByRole('button', { name: 'Approve' }).click();

  await expect(row).toContainText('Failed', { timeout: 20_000 });
  await expect(row).toContainText('expired or canceled card');
  await expect(row.locator('.inline-error')).toContainText('Stripe could not complete the refund');
  const seen = await statuses();
  const succeededAt = seen.findIndex((text) => text.startsWith('Succeeded'));
  expect(succeededAt, `statuses seen: ${seen.join(' | ')}`).toBeGreaterThanOrEqual(0);
  expect(seen.findIndex((text) => text.startsWith('Failed'))).toBeGreaterThan(succeededAt);
  // The booking showed the refund while Stripe said it succeeded, and went back when it failed.
  expect((await headings()).some((text) => text.includes('Partly refunded'))).toBe(true);
  await expect(heading).toContainText('Completed');
  await expect(heading).toContainText('Paid');
  const panel = admin.getByTestId('payment');
  await expect(panel).not.toContainText('refunded $');
  await expect(panel.locator('.badge').first()).toHaveText('Paid');
  await expect(admin.getByTestId('timeline')).toContainText('could not make refund');
  await expect(row.getByRole('button', { name: 'Retry as a new refund' })).toBeEnabled();
  await screenshot(admin, 'refund-failed-booking');

  // The refund requests page shows it under Failed with the reason and the retry, live too.
  await finance.getByRole('tab', { name: 'Failed' }).click();
  await expect(financeRow).toContainText('expired or canceled card');
  await expect(financeRow.getByRole('button', { name: 'Retry as a new refund' })).toBeEnabled();
  await screenshot(finance, 'refund-requests-failed');

  // A retry is a new refund with a new key (R27): attempt 2 goes to Stripe (and this card fails it again).
  await row.getByRole('button', { name: 'Retry as a new refund' }).click();
  await expect(row).toContainText('attempt 2');
  await expect
    .poll(
      async () => {
        const list = await world.admin.refunds.list.query({ status: 'FAILED', limit: 200 });
        const retried = list.items.find((item) => item.id === request.id);
        return retried ? `${retried.status}/${retried.attempt}` : 'missing';
      },
      { timeout: 20_000 },
    )
    .toBe('FAILED/2');
  await expect(row).toContainText('Failed');
  await expect(heading).toContainText('Paid');
  await adminContext.close();
  await financeContext.close();
});

test('a refund pending at Stripe shows as pending with its amount reserved until Stripe says it succeeded', async ({
  page,
}) => {
  const world = await seedWorld();
  const { booking, paymentId } = await world.completedBooking('pm_card_pendingRefund');
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await expect(page.getByTestId('live-status')).toContainText('live');
  const { client: finance } = await signInApi(world.staff.finance.email, world.staff.finance.password);
  const request = await world.admin.refunds.request.mutate({
    paymentId,
    amountMinor: 500,
    reason: 'Five minutes late',
  });
  const row = page.getByTestId(`refund-${request.id}`);
  await expect(row).toContainText('Requested — awaiting approval');
  const statuses = await recordTexts(page, `[data-testid="refund-${request.id}"] [data-testid="refund-status"]`);
  const payments = await recordTexts(page, '[data-testid="payment"] p');
  await finance.refunds.approve.mutate({ id: request.id });
  await expect(row).toContainText('Succeeded', { timeout: 20_000 });
  const seen = await statuses();
  expect(seen, `statuses seen: ${seen.join(' | ')}`).toContain('Pending at Stripe — amount reserved');
  expect(seen.indexOf('Pending at Stripe — amount reserved')).toBeLessThan(
    seen.findIndex((text) => text.startsWith('Succeeded')),
  );
  // While pending, the payment kept its state and the amount was reserved; then it counted as refunded.
  expect((await payments()).some((text) => text.includes('$5.00 reserved by open refund requests'))).toBe(true);
  await expect(page.getByTestId('payment')).toContainText('refunded $5.00');
  await expect(page.getByRole('heading', { name: /Booking #/ })).toContainText('Partly refunded');
});

test('a paid booking cancelled with a full refund that Stripe then fails stays cancelled and paid, with a call to retry', async ({
  page,
}) => {
  const world = await seedWorld();
  const { booking } = await world.paidBooking('pm_card_refundFail');
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await expect(page.getByTestId('live-status')).toContainText('live');
  await actionBar(page).getByRole('button', { name: 'Cancel with full refund' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel with full refund' });
  await expect(dialog).toContainText('stays Paid until Stripe says the refund succeeded');
  await dialog.getByLabel('Reason (required)').fill('Teacher is ill');
  await dialog.getByRole('button', { name: 'Cancel with full refund' }).click();
  await expect(dialog).toHaveCount(0);
  const heading = page.getByRole('heading', { name: /Booking #/ });
  await expect(heading).toContainText('Cancelled');

  const callout = page.getByTestId('refund-failed-callout');
  await expect(callout).toContainText('The refund failed — retry it or contact the student', { timeout: 20_000 });
  await expect(callout).toContainText('expired or canceled card');
  await expect(callout.getByRole('button', { name: 'Retry as a new refund' })).toBeEnabled();
  await expect(heading).toContainText('Cancelled');
  await expect(heading).toContainText('Paid');
  const detail = await world.admin.bookings.get.query({ id: booking.id });
  expect([detail.status, detail.paymentStatus]).toEqual(['CANCELLED', 'PAID']);
  await screenshot(page, 'cancel-paid-refund-failed');
});
