import { expect, test, type Page } from '@playwright/test';
import { TRPCClientError } from '@trpc/client';
import { readFileSync } from 'node:fs';
import { ADMIN } from './global-setup';
import { actionBar, baseUrl, screenshot, seedWorld, signInApi, signInUi } from './support';

type World = Awaited<ReturnType<typeof seedWorld>>;

/** The domain code of a refused call. */
async function refusedWith(call: Promise<unknown>): Promise<string | null> {
  try {
    await call;
    return null;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    return ((error as TRPCClientError<never>).data as { domainCode?: string } | undefined)?.domainCode ?? null;
  }
}

function accounts(world: World) {
  return [
    { role: 'ADMIN', ...ADMIN },
    { role: 'FINANCE', ...world.staff.finance },
    { role: 'SUPPORT', ...world.staff.support },
  ] as const;
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
}

test('people pages for every role: found from the top search, the queue and the booking; contact, bookings with next steps, cards, payments; payout data only for finance and admins, the Zoom host link for nobody here (R31, R32, R34)', async ({
  page,
}) => {
  const world = await seedWorld();
  const waiting = await world.book();
  const { booking: paid } = await world.paidBooking();
  const { client: support } = await signInApi(world.staff.support.email, world.staff.support.password);

  for (const account of accounts(world)) {
    await signInUi(page, account.email, account.password);
    // The top search finds the people by name, each linked to their page.
    const search = page.getByRole('combobox', { name: 'Search bookings and people' });
    await search.fill(world.student.name);
    await search.press('Enter');
    const found = page.getByTestId('people-found');
    await found.getByRole('link', { name: world.student.name }).click();
    await expect(page).toHaveURL(new RegExp(`#/people/students/${world.student.id}$`));

    // The student's page: contact and time zone, bookings newest first with the next step while open.
    await expect(page.getByRole('heading', { name: world.student.name })).toBeVisible();
    await expect(page.getByTestId('person-email')).toHaveText(`student-${world.tag}@e2e.test`);
    await expect(page.getByTestId('person-timezone')).toContainText('America/New_York');
    const bookings = page.getByTestId('person-bookings');
    await expect(bookings.getByTestId(`person-booking-${paid.id}`)).toContainText('Paid');
    await expect(bookings.getByTestId(`person-booking-${waiting.id}`)).toContainText('Awaiting teacher');
    await expect(bookings.getByTestId('booking-next-step').first()).toContainText('Next step:');
    await expect(bookings).toContainText('Waiting for the teacher to confirm or decline the request');
    await expect(bookings).toContainText('Student and teacher join with the Zoom link');
    // Saved cards as display data only (R20), the default marked; the payment and its card.
    await expect(page.getByTestId('student-cards')).toContainText(/visa •••• 4242 · expires \d{2}\/\d{4} · default/);
    await expect(page.getByTestId('student-cards')).not.toContainText('pm_');
    await expect(page.getByTestId('student-payments')).toContainText('$78.75');
    await expect(page.getByTestId('student-payments')).toContainText('visa •••• 4242');
    if (account.role === 'SUPPORT') await screenshot(page, 'people-student-support');

    // On to the teacher from the student's booking: gigs and bookings; payouts only for finance and admins.
    await bookings.getByRole('link', { name: world.teacher.name }).first().click();
    await expect(page).toHaveURL(new RegExp(`#/people/teachers/${world.teacher.id}$`));
    await expect(page.getByRole('heading', { name: world.teacher.name })).toBeVisible();
    await expect(page.getByTestId('person-timezone')).toContainText('Europe/Madrid');
    await expect(page.getByTestId('teacher-gigs')).toContainText(`Conversation ${world.tag}`);
    await expect(page.getByTestId('teacher-gigs')).toContainText('$50.00');
    await expect(page.getByTestId('person-bookings')).toContainText(`#${paid.id}`);
    const payouts = page.getByRole('region', { name: 'Payouts' });
    if (account.role === 'SUPPORT') {
      // R31/R32: the page shows no payout data, because the server sends none to support.
      await expect(payouts).toHaveCount(0);
      await expect(page.getByTestId('teacher-payout-status')).toHaveCount(0);
      await expect(page.getByRole('link', { name: /Payout page/ })).toHaveCount(0);
      await screenshot(page, 'people-teacher-support');
    } else {
      await expect(page.getByTestId('teacher-payout-status')).toHaveText('Not connected');
      await payouts.getByRole('link', { name: /Payout page/ }).click();
      await expect(page).toHaveURL(new RegExp(`#/payouts/teachers/${world.teacher.id}$`));
      await expect(page.getByTestId('payout-status-value')).toHaveText('Not connected');
      if (account.role === 'FINANCE') await screenshot(page, 'people-teacher-finance');
    }

    // From a queue row and from the booking page, the names lead to the same pages.
    await page.goto(`${baseUrl()}/#/queues/ALL/${encodeURIComponent(world.student.name)}`);
    const row = page.getByTestId('booking-row').filter({ hasText: `#${waiting.id}` });
    await row.getByRole('link', { name: world.teacher.name }).click();
    await expect(page).toHaveURL(new RegExp(`#/people/teachers/${world.teacher.id}$`));
    await page.goto(`${baseUrl()}/#/bookings/${paid.id}`);
    await page.getByRole('region', { name: 'People' }).getByRole('link', { name: world.student.name }).click();
    await expect(page).toHaveURL(new RegExp(`#/people/students/${world.student.id}$`));
    await signOut(page);
  }

  // The server refuses support what the page does not show (R31, R32).
  const teacherPage = await support.people.teacher.query({ id: world.teacher.id });
  expect(teacherPage).not.toHaveProperty('payoutStatus');
  expect(teacherPage).not.toHaveProperty('stripeAccountId');
  expect(await refusedWith(support.teachers.payoutStatus.query({ teacherId: world.teacher.id }))).toBe('FORBIDDEN');
  const { client: finance } = await signInApi(world.staff.finance.email, world.staff.finance.password);
  expect(await finance.people.teacher.query({ id: world.teacher.id })).toMatchObject({ payoutStatus: 'not_connected' });
  // R34: the Zoom host link (it carries a host token) and the meeting password reach no people page.
  const meeting = (await world.admin.bookings.get.query({ id: paid.id })).meeting;
  expect(meeting?.startUrl).toContain('zak=');
  for (const client of [support, finance]) {
    const pages = JSON.stringify([
      await client.people.student.query({ id: world.student.id }),
      await client.people.teacher.query({ id: world.teacher.id }),
    ]);
    expect(pages).not.toContain('zak=');
    if (meeting?.password) expect(pages).not.toContain(meeting.password);
  }
});

test('the audit log for every role: filters, staff named with role, reason, before and after, CSV of what is filtered; support sees booking history only, refused the rest by the server (R32, R34)', async ({
  page,
}) => {
  const world = await seedWorld();
  const unpaid = await world.book();
  const { booking: paid } = await world.paidBooking();
  const { client: support } = await signInApi(world.staff.support.email, world.staff.support.password);
  await support.bookings.cancel.mutate({ id: unpaid.id, reason: `The student changed plans ${world.tag}` });
  const supportName = `Sam Support ${world.tag}`;
  // An admin's settings change (put back at once): for admins and finance only.
  const settings = await world.admin.settings.get.query();
  await world.admin.settings.update.mutate({ paymentWindowMinutes: settings.paymentWindowMinutes + 5 });
  await world.admin.settings.update.mutate({ paymentWindowMinutes: settings.paymentWindowMinutes });

  for (const account of accounts(world)) {
    await signInUi(page, account.email, account.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    const table = page.getByTestId('audit-table');

    // A booking's history: the cancellation, by name and role, with its reason, before and after.
    const bookingFilter = page.getByLabel('Booking', { exact: true });
    await bookingFilter.fill(String(unpaid.id));
    await bookingFilter.press('Enter');
    await expect(page).toHaveURL(new RegExp(`#/audit\\?booking=${unpaid.id}$`));
    const cancel = table.getByRole('row').filter({ hasText: 'booking.cancel' });
    await expect(cancel).toHaveCount(1);
    await expect(cancel.getByTestId('audit-actor')).toHaveText(supportName);
    await expect(cancel).toContainText('SUPPORT');
    await expect(cancel.getByTestId('audit-reason')).toHaveText(`The student changed plans ${world.tag}`);
    // In the words the queues use for the pair (status, payment status).
    await expect(cancel.getByTestId('audit-before')).toHaveText('Awaiting teacher');
    await expect(cancel.getByTestId('audit-after')).toHaveText('Cancelled');
    await expect(table.getByRole('row').filter({ hasText: 'booking.create' })).toContainText('Booking #');

    // A person and an action family: the student's payments.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Person').fill(world.student.name);
    await page.getByRole('option', { name: `Student: ${world.student.name}` }).click();
    await expect(page.getByTestId('audit-person')).toContainText(world.student.name);
    await page.getByLabel('Action').selectOption('payment');
    await expect(table.getByRole('row').filter({ hasText: 'payment.create' })).toHaveCount(1);
    await expect(table).toContainText(`booking #${paid.id}`);
    await expect(table).not.toContainText('booking.cancel');

    // A staff member and a date range (today, in the viewer's time).
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Staff member').selectOption({ label: `${supportName} (SUPPORT)` });
    const today = await page.evaluate(() => {
      const now = new Date();
      return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
    });
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await expect(table.getByRole('row')).toHaveCount(2); // the head and the cancellation
    await expect(table.getByTestId('audit-actor')).toHaveText([supportName]);

    // CSV of what is filtered.
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync(await (await downloading).path(), 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,role,action,entity,entity id,booking,reason,before,after,details,data');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${supportName},SUPPORT,booking.cancel,Booking,${unpaid.id},${unpaid.id}`);
    expect(lines[1]).toContain(`The student changed plans ${world.tag}`);

    // Settings changes: before and after for admins and finance; nothing of them for support.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    const actionOptions = await page.getByLabel('Action').locator('option').allTextContents();
    if (account.role === 'SUPPORT') {
      await expect(page.getByTestId('audit-scope')).toContainText('booking history only');
      expect(actionOptions).not.toContain('Settings');
      expect(actionOptions).not.toContain('Staff accounts');
      expect(actionOptions).toContain('Refund requests — any');
      // Whatever the filters, support's log holds booking history only.
      await expect(table).toBeVisible();
      for (const action of await table.locator('td.code').allTextContents())
        expect(action).toMatch(/^(booking|payment|refund)\./);
      // Asked for staff accounts by address, the screen shows the server's refusal.
      await page.goto(`${baseUrl()}/#/audit?entity=Staff`);
      await expect(page.getByRole('alert')).toContainText('may read only booking history');
      // The code stays in data.domainCode, out of the words.
      await expect(page.getByRole('alert')).not.toContainText('FORBIDDEN');
      await screenshot(page, 'audit-support-refused');
    } else {
      await page.getByLabel('Action').selectOption('settings');
      const change = table.getByRole('row').filter({ hasText: 'settings.update' }).first();
      await expect(change.getByTestId('audit-before')).toHaveText(
        `payment window minutes: ${settings.paymentWindowMinutes + 5}`,
      );
      await expect(change.getByTestId('audit-after')).toHaveText(
        `payment window minutes: ${settings.paymentWindowMinutes}`,
      );
      await expect(change.getByTestId('audit-actor')).not.toHaveText(/#\d/);
      // Staff accounts are theirs to see.
      await page.goto(`${baseUrl()}/#/audit?entity=Staff`);
      await expect(table.getByRole('row').filter({ hasText: 'staff.create' }).first()).toBeVisible();
      await screenshot(page, `audit-${account.role.toLowerCase()}`);
    }
    await signOut(page);
  }

  // R32/R34 on the server, whatever the client asks.
  for (const entity of ['Staff', 'Settings', 'PayoutRun'])
    expect(await refusedWith(support.audit.list.query({ entity })), entity).toBe('FORBIDDEN');
  const seen = await support.audit.list.query({ limit: 200 });
  expect(seen.items.length).toBeGreaterThan(0);
  for (const entry of seen.items) expect(['Booking', 'Payment', 'RefundRequest']).toContain(entry.entity);
  expect((await support.audit.list.query({ action: 'settings' })).items).toEqual([]);
});

test('take payment offers the student’s saved cards first, the default chosen; typing a payment method id stays possible', async ({
  page,
}) => {
  const world = await seedWorld();
  await world.admin.payments.attachMethod.mutate({ studentId: world.student.id, paymentMethodId: 'pm_card_visa' });
  await world.admin.payments.attachMethod.mutate({
    studentId: world.student.id,
    paymentMethodId: 'pm_card_mastercard',
  });
  const first = await world.book();
  const second = await world.book();
  await world.admin.bookings.confirm.mutate({ id: first.id });
  await world.admin.bookings.confirm.mutate({ id: second.id });
  await signInUi(page, ADMIN.email, ADMIN.password);

  await page.goto(`${baseUrl()}/#/bookings/${first.id}`);
  await actionBar(page).getByRole('button', { name: 'Take payment' }).click();
  const dialog = page.getByRole('dialog', { name: 'Take payment' });
  const cards = dialog.getByRole('radio');
  // Saved cards first (newest, the default, on top, chosen), then "another card".
  await expect(cards).toHaveCount(3);
  await expect(cards.nth(0)).toBeChecked();
  await expect(dialog.getByTestId('card-choice')).toContainText(
    /mastercard •••• 4444 · expires \d{2}\/\d{4} \(default\)\s*visa •••• 4242 · expires \d{2}\/\d{4}\s*Another card/,
  );
  await expect(dialog.getByLabel('Payment method id')).toHaveCount(0);
  await screenshot(page, 'take-payment-saved-cards');
  await dialog.getByRole('button', { name: 'Charge card' }).click();
  await expect(dialog.getByTestId('payment-outcome')).toContainText('Paid');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('attempt-card')).toHaveText(['mastercard •••• 4444']);

  // Another card by its id: attached and charged.
  await page.goto(`${baseUrl()}/#/bookings/${second.id}`);
  await actionBar(page).getByRole('button', { name: 'Take payment' }).click();
  await dialog.getByRole('radio', { name: /Another card/ }).check();
  await dialog.getByLabel('Payment method id').fill('pm_card_visa');
  await dialog.getByRole('button', { name: 'Charge card' }).click();
  await expect(dialog.getByTestId('payment-outcome')).toContainText('Paid');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('attempt-card')).toHaveText(['visa •••• 4242']);
});

test('refund requests in context: who asked, the people linked, paid, refunded, pending and remaining; four eyes in words (R24, R27)', async ({
  page,
}) => {
  const world = await seedWorld();
  const { booking, paymentId } = await world.completedBooking('pm_card_visa'); // $26.25
  const { client: support } = await signInApi(world.staff.support.email, world.staff.support.password);
  const { client: finance } = await signInApi(world.staff.finance.email, world.staff.finance.password);
  // Four eyes from $4.00 for this test (put back afterwards), so a small session shows it.
  await world.admin.settings.update.mutate({ fourEyesThresholdMinor: { USD: 400 } });
  const { small, second } = await (async () => {
    // $5.00: two approvals, then refunded by Stripe.
    const refunded = await support.refunds.request.mutate({ paymentId, amountMinor: 500, reason: 'Late start' });
    expect((await finance.refunds.approve.mutate({ id: refunded.id })).status).toBe('AWAITING_SECOND_APPROVAL');
    expect((await world.admin.refunds.approve.mutate({ id: refunded.id })).status).toBe('SUCCEEDED');
    // $3.00: filed, nobody decided yet. $4.50: approved once, waiting for a second approver.
    const filed = await support.refunds.request.mutate({ paymentId, amountMinor: 300, reason: 'Audio problems' });
    const large = await support.refunds.request.mutate({ paymentId, amountMinor: 450, reason: 'Ended early' });
    expect((await finance.refunds.approve.mutate({ id: large.id })).status).toBe('AWAITING_SECOND_APPROVAL');
    return { small: filed, second: large };
  })().finally(() => world.admin.settings.update.mutate({ fourEyesThresholdMinor: { USD: 20_000 } }));

  for (const account of [world.staff.finance, world.staff.support]) {
    await signInUi(page, account.email, account.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Refund requests' }).click();
    const waiting = page.getByTestId(`refund-request-${second.id}`);
    // Paid $26.25, refunded $5.00, pending $3.00 + $4.50, remaining $13.75 — on every row of this payment.
    await expect(waiting.getByTestId('refund-paid')).toHaveText('$26.25');
    await expect(waiting.getByTestId('refund-refunded')).toHaveText('$5.00');
    await expect(waiting.getByTestId('refund-pending')).toHaveText('$7.50');
    await expect(waiting.getByTestId('refund-remaining')).toHaveText('$13.75');
    await expect(waiting.getByTestId('refund-requester')).toHaveText(`Sam Support ${world.tag}`);
    await expect(waiting.getByTestId('refund-approvals')).toContainText(`approved by Fiona Finance ${world.tag}`);
    await expect(waiting.getByTestId('refund-awaiting')).toContainText(
      'Awaits a second approval from another FINANCE or ADMIN',
    );
    await expect(waiting.getByRole('link', { name: `#${booking.id}` })).toBeVisible();
    // The first approver may not approve again; support never approves.
    await expect(waiting.getByRole('button', { name: 'Approve' })).toHaveCount(0);
    const filed = page.getByTestId(`refund-request-${small.id}`);
    await expect(filed.getByTestId('refund-awaiting')).toContainText('Awaits approval from a FINANCE or ADMIN');
    await expect(filed.getByTestId('refund-remaining')).toHaveText('$13.75');
    await expect(filed.getByRole('button', { name: 'Approve' })).toHaveCount(account === world.staff.finance ? 1 : 0);
    await screenshot(page, `refunds-in-context-${account === world.staff.finance ? 'finance' : 'support'}`);

    // The people are linked to their pages, where the same requests are listed.
    await waiting.getByRole('link', { name: world.student.name }).click();
    await expect(page).toHaveURL(new RegExp(`#/people/students/${world.student.id}$`));
    await expect(page.getByTestId('open-refunds-notice')).toContainText('2 refund requests awaiting approval');
    const onPage = page.getByTestId(`student-refund-${second.id}`);
    await expect(onPage.getByTestId('refund-remaining')).toHaveText('$13.75');
    await expect(onPage.getByTestId('refund-awaiting')).toContainText('a second approval');
    await page.goBack();
    await page.getByTestId(`refund-request-${second.id}`).getByRole('link', { name: world.teacher.name }).click();
    await expect(page).toHaveURL(new RegExp(`#/people/teachers/${world.teacher.id}$`));
    await signOut(page);
  }
});
