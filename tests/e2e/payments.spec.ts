import { expect, test } from '@playwright/test';
import { ADMIN } from './global-setup';
import { actionBar, baseUrl, screenshot, seedWorld, signInApi, signInUi } from './support';

test('an admin takes a payment with a test card: paid, Zoom meeting and both emails shown on the booking', async ({
  page,
}) => {
  const world = await seedWorld();
  const booking = await world.book();
  await world.admin.bookings.confirm.mutate({ id: booking.id });
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await actionBar(page).getByRole('button', { name: 'Take payment' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Payment method id').fill('pm_card_visa');
  await dialog.getByRole('button', { name: 'Charge card' }).click();
  await expect(dialog.getByTestId('payment-outcome')).toContainText('Paid');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('heading', { name: /Booking #/ })).toContainText('Paid');
  await expect(page.getByTestId('meeting')).toContainText('/j/', { timeout: 15_000 });
  await expect(page.getByTestId('emails')).toContainText('is paid', { timeout: 15_000 });
  await expect(page.getByTestId('saved-methods')).toContainText('visa •••• 4242');
  // The attempt names the card, not Stripe's pm_ id.
  await expect(page.getByTestId('attempt-card')).toHaveText(['visa •••• 4242']);
  await expect(page.getByTestId('payment')).not.toContainText('pm_');
  // Paid and not yet held: the server offers no second payment and no refund, only the R18 cancellation.
  await expect(actionBar(page).getByRole('button', { name: 'Take payment' })).toHaveCount(0);
  await expect(actionBar(page).getByRole('button', { name: 'Request refund' })).toHaveCount(0);
  await expect(actionBar(page).getByRole('button', { name: 'Cancel with full refund' })).toBeEnabled();
  await screenshot(page, 'booking-paid');
});

test('a declined card shows Stripe’s message; a 3-D Secure card waits for the student, listed under requires action', async ({
  page,
}) => {
  const world = await seedWorld();
  const first = await world.book();
  const second = await world.book();
  await world.admin.bookings.confirm.mutate({ id: first.id });
  await world.admin.bookings.confirm.mutate({ id: second.id });
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.goto(`${baseUrl()}/#/bookings/${first.id}`);
  await actionBar(page).getByRole('button', { name: 'Take payment' }).click();
  await page.getByRole('dialog').getByLabel('Payment method id').fill('pm_card_chargeDeclined');
  await page.getByRole('dialog').getByRole('button', { name: 'Charge card' }).click();
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText('Your card was declined.');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  await page.goto(`${baseUrl()}/#/bookings/${second.id}`);
  await actionBar(page).getByRole('button', { name: 'Take payment' }).click();
  await page.getByRole('dialog').getByLabel('Payment method id').fill('pm_card_authenticationRequired');
  await page.getByRole('dialog').getByRole('button', { name: 'Charge card' }).click();
  await expect(page.getByRole('dialog').getByTestId('payment-outcome')).toContainText(
    'Waiting for the student to authenticate',
  );
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('stripe-status')).toContainText('Waiting for the student to authenticate');
  await page.getByRole('link', { name: 'Payments' }).click();
  await page.getByRole('tab', { name: 'Requires action' }).click();
  await expect(page.getByTestId('payments-table')).toContainText('waiting for the student to authenticate');
  await screenshot(page, 'payments-requires-action');
});

test('a refund before the session is refused with the reason; refund requests and reconciliation screens', async ({
  page,
}) => {
  const world = await seedWorld();
  const booking = await world.book();
  await world.admin.bookings.confirm.mutate({ id: booking.id });
  const card = await world.admin.payments.attachMethod.mutate({
    studentId: world.student.id,
    paymentMethodId: 'pm_card_visa',
  });
  const intent = await world.admin.payments.createIntent.mutate({
    bookingId: booking.id,
    paymentMethodId: card.paymentMethodId,
  });
  const paid = await world.admin.payments.confirm.mutate({ paymentIntentId: intent.paymentIntentId });
  expect(paid.status).toBe('PAID');
  // The session has not taken place yet, so a refund request is refused (R19; R18 cancels instead).
  const { client: support } = await signInApi(world.staff.support.email, world.staff.support.password);
  const early = await support.refunds.request
    .mutate({ paymentId: paid.paymentId, amountMinor: 500, reason: 'late' })
    .catch((error: unknown) => error as Error);
  expect((early as Error).message).toContain('has not taken place yet');
  await signInUi(page, world.staff.finance.email, world.staff.finance.password);
  await page.goto(`${baseUrl()}/#/refunds`);
  await expect(page.getByRole('heading', { name: 'Refund requests' })).toBeVisible();
  await expect(page.getByRole('tab')).toHaveText([
    'Open',
    'Pending at Stripe',
    'Refunded',
    'Failed',
    'Rejected',
    'All',
  ]);
  await screenshot(page, 'refund-requests');
  await page.goto(`${baseUrl()}/#/operations`);
  await expect(page.getByRole('heading', { name: 'Reconciliation and deliveries' })).toBeVisible();
  await screenshot(page, 'reconciliation');
});
