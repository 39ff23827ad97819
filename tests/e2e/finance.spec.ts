import { TRPCClientError } from '@trpc/client';
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { actionBar, baseUrl, screenshot, seedWorld, setClockOffset, signInApi, signInUi } from './support';

const DAY_MS = 24 * 3600_000;

// Dates typed into the console (the cut-off, the statement's period) are read in the browser's zone.
test.use({ timezoneId: 'UTC' });

/** "2026-12-04T09:30" for a datetime-local field (the browser runs in UTC). */
const localMinute = (date: Date) => date.toISOString().slice(0, 16);
const utcDay = (date: Date) => date.toISOString().slice(0, 10);

async function refusalOf(promise: Promise<unknown>): Promise<TRPCClientError<never>> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<never>;
}

/** The few DOM pieces the print stub needs (the tests compile without the DOM library). */
interface PrintGlobals {
  print: () => void;
  e2ePrinted?: number;
}

/** Replaces window.print by a counter (Chromium's print dialog cannot be driven). */
async function countPrints(page: Page): Promise<() => Promise<number>> {
  await page.evaluate(() => {
    const scope = globalThis as unknown as PrintGlobals;
    scope.e2ePrinted = 0;
    scope.print = () => {
      scope.e2ePrinted = (scope.e2ePrinted ?? 0) + 1;
    };
  });
  return () => page.evaluate(() => (globalThis as unknown as PrintGlobals).e2ePrinted ?? 0);
}

test('a support user has no Payouts or Ledger link, and the finance pages say they are not available to the role', async ({
  page,
}) => {
  const world = await seedWorld();
  await signInUi(page, world.staff.support.email, world.staff.support.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Payments' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Payouts' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Ledger' })).toHaveCount(0);
  for (const hash of [
    '#/payouts',
    '#/payouts/runs/1',
    `#/payouts/teachers/${world.teacher.id}`,
    '#/ledger',
    '#/ledger/EUR',
  ]) {
    await page.goto(`${baseUrl()}/${hash}`);
    const refusal = page.getByTestId('not-available');
    await expect(refusal).toContainText('Not available to your role');
    await expect(refusal).toContainText('support staff');
  }
  await screenshot(page, 'finance-support-refused');
  // The server refuses the support user's own token anyway.
  const { client } = await signInApi(world.staff.support.email, world.staff.support.password);
  const refused = await refusalOf(client.payouts.list.query({}));
  expect((refused.data as { domainCode?: string } | undefined)?.domainCode).toBe('FORBIDDEN');
  expect(refused.message).toContain('A SUPPORT user may not see payouts');
});

/**
 * A payout from start to end in the console, as two FINANCE users: the teacher's completed, paid
 * sessions become payable once the payout hold (3 days) has passed — the host's clock is moved four
 * days ahead (tests/e2e/host.ts) — then connect, preview, draft, four eyes, send, statement, ledger.
 */
test.describe.serial('teacher payouts and the ledger, as finance', () => {
  let world: Awaited<ReturnType<typeof seedWorld>>;
  const second = { email: '', password: 'second finance password', name: '' };
  let runId = 0;
  let intensiveGigId = 0;
  let big: { id: number; name: string } = { id: 0, name: '' };

  test.beforeAll(async () => {
    world = await seedWorld();
    second.email = `fin2-${world.tag}@e2e.test`;
    second.name = `Felix Finance ${world.tag}`;
    await world.admin.staff.create.mutate({ ...second, role: 'FINANCE' });
    // Stripe keeps a charge's funds pending for two days and transfers draw on the available balance;
    // as Stripe's docs advise, charges with the 0077 card (pm_card_bypassPending) are available at once.
    // Another teacher's big future session adds funds, so earlier tests' refunds cannot leave too little.
    const funds = await world.admin.people.create.mutate({
      kind: 'teacher',
      email: `funds-${world.tag}@e2e.test`,
      name: `Frida Funds ${world.tag}`,
    });
    const intensive = await world.admin.gigs.create.mutate({
      teacherId: funds.id,
      title: `Intensive ${world.tag}`,
      language: 'German',
      hourlyRateMinor: 100_000,
      currency: 'USD',
    });
    const future = await world.admin.bookings.create.mutate({
      studentId: world.student.id,
      gigId: intensive.id,
      startsAt: new Date(Date.now() + 20 * DAY_MS),
      minutes: 60,
    });
    await world.admin.bookings.confirm.mutate({ id: future.id });
    await world.pay(future.id, 'pm_card_bypassPending');
    intensiveGigId = intensive.id;
    // Two 30-minute sessions at $50/h: the teacher earned $25.00 for each.
    await world.completedBooking('pm_card_bypassPending');
    await world.completedBooking('pm_card_bypassPending');
    // A teacher whose one 4-hour session at $1,000/h earned more than the available balance holds.
    big = await world.admin.people.create.mutate({
      kind: 'teacher',
      email: `big-${world.tag}@e2e.test`,
      name: `Bea Bigclass ${world.tag}`,
    });
    const bigGig = await world.admin.gigs.create.mutate({
      teacherId: big.id,
      title: `Executive English ${world.tag}`,
      language: 'English',
      hourlyRateMinor: 100_000,
      currency: 'USD',
    });
    // Booked and paid with the host's clock six hours back (a booking starts at least an hour ahead),
    // completed at the real time, after its end (as support.ts's completedBooking does).
    const back = 6 * 3600_000;
    setClockOffset(-back);
    const session = await (async () => {
      const booking = await world.admin.bookings.create.mutate({
        studentId: world.student.id,
        gigId: bigGig.id,
        startsAt: new Date(Date.now() - back + 65 * 60_000),
        minutes: 240,
      });
      await world.admin.bookings.confirm.mutate({ id: booking.id });
      await world.pay(booking.id);
      return booking;
    })().finally(() => setClockOffset(0));
    await world.admin.bookings.complete.mutate({ id: session.id });
    setClockOffset(4 * DAY_MS);
  });

  test.afterAll(() => {
    setClockOffset(0);
  });

  test('connect the teacher, preview, draft; the creator may not approve (four eyes); a second finance user approves and sends', async ({
    page,
    browser,
  }) => {
    const teacher = world.teacher;
    // Past the hold for sessions that ended a couple of hours ago, and not after the host's now.
    const cutoff = localMinute(new Date(Date.now() + 3 * DAY_MS));
    await signInUi(page, world.staff.finance.email, world.staff.finance.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payouts' }).click();
    await expect(page.getByRole('heading', { name: 'Payouts' })).toBeVisible();
    await expect(page.getByLabel('Currency')).toHaveValue('USD');

    // Not connected yet: the teacher's line is held, and says why.
    await page.getByLabel('Cut-off').fill(cutoff);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const line = page.getByTestId(`preview-line-${teacher.id}`);
    await expect(line).toContainText('Held');
    await expect(line).toContainText('The teacher has no connected Stripe account');
    await expect(line).toContainText('$50.00');
    await expect(line.getByRole('cell').nth(1)).toHaveText('2');
    await screenshot(page, 'finance-preview-held');

    // The teacher's payout page: an unknown account id is refused in Stripe's words, then one is created.
    await line.getByRole('link', { name: `Payouts of ${teacher.name}` }).click();
    await expect(page.getByRole('heading', { name: teacher.name })).toBeVisible();
    await expect(page.getByTestId('payout-status-value')).toHaveText('Not connected');
    await page.getByRole('button', { name: 'Connect Stripe account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect Stripe account' });
    await dialog.getByLabel('Existing account id').fill('acct_doesnotexist');
    await dialog.getByRole('button', { name: 'Record existing account' }).click();
    await expect(dialog.getByRole('alert')).toContainText('Stripe does not know that account');
    await dialog.getByRole('button', { name: 'Create a Stripe account' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('payout-status-value')).toHaveText('Ready for payouts');
    await expect(page.getByTestId('stripe-account')).toContainText('acct_');
    // The local sandbox makes the account ready at once: no onboarding link to hand over.
    await expect(page.getByTestId('onboarding-link')).toHaveCount(0);

    // Connected: the line is ready; a draft is created from exactly what was previewed.
    await page.getByRole('link', { name: '← All payouts' }).click();
    await page.getByLabel('Cut-off').fill(cutoff);
    const create = page.getByRole('button', { name: 'Create draft run' });
    await expect(create).toBeDisabled();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect(line).toContainText('Ready');
    await expect(line).toContainText('$50.00');
    await create.click();
    await expect(page).toHaveURL(/#\/payouts\/runs\/\d+$/);
    runId = Number(/runs\/(\d+)$/.exec(page.url())?.[1]);
    const heading = page.getByRole('heading', { name: /Payout run #/ });
    await expect(heading).toContainText('Draft');
    await expect(page.getByTestId('run-created-by')).toContainText(`Fiona Finance ${world.tag}`);
    await expect(page.getByTestId(`run-line-${teacher.id}`)).toContainText('Ready');

    // Four eyes: the creator's approve is closed with the server's reason, and the server refuses it too.
    const approve = actionBar(page).getByRole('button', { name: 'Approve' });
    await expect(approve).toBeDisabled();
    await expect(approve).toHaveAccessibleDescription(
      'You created this run; another FINANCE or ADMIN must approve it (four eyes)',
    );
    await expect(actionBar(page).getByRole('button', { name: 'Discard' })).toBeEnabled();
    await expect(actionBar(page).getByRole('button', { name: 'Send transfers' })).toHaveCount(0);
    const { client: creator } = await signInApi(world.staff.finance.email, world.staff.finance.password);
    const refused = await refusalOf(creator.payouts.approve.mutate({ id: runId }));
    expect(refused.message).toBe(
      `Payout run ${runId}: You created this run; another FINANCE or ADMIN must approve it (four eyes)`,
    );
    expect((refused.data as { domainCode?: string } | undefined)?.domainCode).toBe('FORBIDDEN');
    await screenshot(page, 'finance-run-draft-four-eyes');

    // The second finance user approves, then sends.
    const otherContext = await browser.newContext({ timezoneId: 'UTC' });
    const other = await otherContext.newPage();
    await signInUi(other, second.email, second.password);
    await other.goto(`${baseUrl()}/#/payouts/runs/${runId}`);
    const otherHeading = other.getByRole('heading', { name: /Payout run #/ });
    await expect(otherHeading).toContainText('Draft');
    await actionBar(other).getByRole('button', { name: 'Approve' }).click();
    const approveDialog = other.getByRole('dialog', { name: `Approve — payout run #${runId}` });
    await approveDialog.getByRole('button', { name: 'Approve' }).click();
    await expect(approveDialog).toHaveCount(0);
    await expect(otherHeading).toContainText('Approved — ready to send');
    await expect(other.getByTestId('run-approved-by')).toHaveText(second.name);
    await expect(actionBar(other).getByRole('button', { name: 'Approve' })).toHaveCount(0);
    await actionBar(other).getByRole('button', { name: 'Send transfers' }).click();
    const sendDialog = other.getByRole('dialog', { name: `Send transfers — payout run #${runId}` });
    await sendDialog.getByRole('button', { name: 'Send transfers' }).click();
    await expect(sendDialog).toHaveCount(0);
    await expect(otherHeading).toContainText('Sent');
    const sent = other.getByTestId(`run-line-${teacher.id}`);
    await expect(sent.getByTestId('line-state')).toHaveText('Sent');
    await expect(sent.getByTestId('line-transfers')).toContainText(/tr_\w+/);
    await expect(other.getByTestId('run-totals')).toContainText('$50.00');
    await expect(actionBar(other)).toContainText('No action is open to you for this run.');
    const history = other.getByTestId('run-history');
    await expect(history).toContainText(`Created as a draft`);
    await expect(history).toContainText(`by Fiona Finance ${world.tag} (FINANCE)`);
    await expect(history).toContainText(`Approved`);
    await expect(history).toContainText(`by ${second.name} (FINANCE)`);
    await expect(history).toContainText('Sending started');
    await expect(history).toContainText('Every transfer went out');
    await screenshot(other, 'finance-run-sent');

    // What the server holds: the line sent with its transfer.
    const run = await creator.payouts.get.query({ id: runId });
    const mine = run.lines.find((candidate) => candidate.teacherId === teacher.id);
    expect(run.status).toBe('SENT');
    expect(mine?.status).toBe('SENT');
    expect(mine?.transferIds).toHaveLength(1);
    expect(mine?.transferIds[0]).toMatch(/^tr_/);
    await expect(sent.getByTestId('line-transfers')).toContainText(mine?.transferIds[0] ?? 'missing');

    // The creator's list of runs shows who created and who approved it.
    await page.goto(`${baseUrl()}/#/payouts`);
    const row = page.getByTestId(`run-row-${runId}`);
    await expect(row).toContainText('Sent');
    await expect(row).toContainText(`Fiona Finance ${world.tag}`);
    await expect(row).toContainText(second.name);
    await otherContext.close();
  });

  test('the teacher’s statement: opening, each session, the payout, closing; as CSV and as a printable page', async ({
    page,
  }) => {
    const teacher = world.teacher;
    await signInUi(page, world.staff.finance.email, world.staff.finance.password);
    await page.goto(`${baseUrl()}/#/payouts/teachers/${teacher.id}`);
    await expect(page.getByTestId('payout-status-value')).toHaveText('Ready for payouts');
    await page.getByLabel('From', { exact: true }).fill(utcDay(new Date(Date.now() - 2 * DAY_MS)));
    await page.getByLabel('To', { exact: true }).fill(utcDay(new Date(Date.now() + 6 * DAY_MS)));
    const statement = page.getByTestId('statement');
    await expect(statement.getByTestId('statement-session')).toHaveCount(2);
    await expect(page.getByTestId('statement-opening')).toContainText('$0.00');
    for (const session of await statement.getByTestId('statement-session').all()) {
      await expect(session).toContainText('Session earned');
      await expect(session.getByRole('link', { name: /Booking #\d+/ })).toBeVisible();
      await expect(session).toContainText('$25.00');
    }
    const payout = statement.getByTestId('statement-payout');
    await expect(payout).toContainText('-$50.00');
    await expect(payout.getByRole('link', { name: `Payout run #${runId}` })).toBeVisible();
    await expect(page.getByTestId('statement-closing')).toContainText('$0.00');
    const totals = page.getByTestId('statement-totals');
    await expect(totals).toContainText('Sessions earned$50.00');
    await expect(totals).toContainText('Payouts-$50.00');
    await screenshot(page, 'finance-statement');

    // CSV: exact decimals, one row per entry with the balance after it.
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(new RegExp(`^statement-teacher-${teacher.id}-USD-.+\\.csv$`));
    const csv = readFileSync(await download.path(), 'utf8');
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toContain(',opening,Opening balance,,,,,,0.00');
    expect(rows.filter((row) => /,session,Session earned,\d+,,,,25\.00,/.test(row))).toHaveLength(2);
    expect(rows.some((row) => row.includes(`,payout,Payout,,,${runId},`) && row.endsWith(',-50.00,0.00'))).toBe(true);
    expect(rows).toContain(',closing,Closing balance,,,,,,0.00');
    expect(rows).toContain('sessions,50.00');
    expect(rows).toContain('payouts,-50.00');

    // The printable statement opens the print dialog, and prints without the console around it.
    const prints = await countPrints(page);
    await page.getByRole('button', { name: 'Printable statement' }).click();
    const printable = page.getByTestId('printable-statement');
    await expect(printable).toContainText(teacher.name);
    await expect(printable.getByTestId('statement-payout')).toContainText('-$50.00');
    await expect.poll(prints).toBe(1);
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
    await expect(page.getByRole('button', { name: '← Back to the statement' })).toBeHidden();
    await expect(printable.getByTestId('statement-closing')).toBeVisible();
    await screenshot(page, 'finance-statement-print');
    await page.emulateMedia({ media: 'screen' });
    await page.getByRole('button', { name: '← Back to the statement' }).click();
    await expect(page.getByRole('button', { name: 'Download CSV' })).toBeVisible();
  });

  test('the ledger: balances sum to zero, the check is OK, a teacher’s balance drills down to its lines; the chart', async ({
    page,
  }) => {
    const teacher = world.teacher;
    await signInUi(page, world.staff.finance.email, world.staff.finance.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ledger' }).click();
    await expect(page.getByRole('heading', { name: 'Ledger' })).toBeVisible();
    await expect(page.getByTestId('ledger-check')).toContainText('OK.');
    const sum = page.getByTestId('ledger-sum');
    await expect(sum).toContainText('$0.00');
    await expect(sum).toContainText('balanced');
    const account = page.getByTestId(`balance-teacher_payable:${teacher.id}`);
    await expect(account).toContainText(`Owed to ${teacher.name} (teacher ${teacher.id})`);
    await expect(account.getByRole('cell').nth(1)).toHaveText('$0.00');
    await expect(account.getByRole('cell').nth(3)).toHaveText('3');
    await expect(page.getByTestId('balance-stripe_balance')).toContainText('Platform funds at Stripe');
    await expect(page.getByTestId('money-chart').locator('.recharts-surface').first()).toBeVisible();

    await page.getByRole('button', { name: 'Check again' }).click();
    await expect(page.getByRole('button', { name: 'Check again' })).toBeEnabled();
    await expect(page.getByTestId('ledger-check')).toContainText('OK.');

    await account.getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`#/ledger/USD/teacher_payable%3A${teacher.id}$`));
    const lines = page.getByTestId('account-line');
    await expect(lines).toHaveCount(3);
    // Newest first: the payout (a debit of what is owed), then the two sessions (credits).
    await expect(lines.nth(0)).toContainText('Payout sent');
    await expect(lines.nth(0).getByRole('cell').nth(4)).toHaveText('$50.00');
    for (const index of [1, 2]) {
      await expect(lines.nth(index)).toContainText('Session paid');
      await expect(lines.nth(index).getByRole('cell').nth(5)).toHaveText('$25.00');
    }
    await screenshot(page, 'finance-ledger');

    // Another currency: nothing posted, and the sum is still zero.
    await page.getByLabel('Currency').selectOption('JPY');
    await expect(page).toHaveURL(/#\/ledger\/JPY$/);
    await expect(page.getByRole('heading', { name: 'Balances (JPY)' })).toBeVisible();
  });

  test('a draft discarded with a reason; a transfer Stripe refuses leaves its line failed with Stripe’s reason, and Retry sends it once funds are available', async ({
    page,
  }) => {
    const cutoff = new Date(Date.now() + 3 * DAY_MS);
    const { client: admin } = await signInApi();
    const { client: creator } = await signInApi(world.staff.finance.email, world.staff.finance.password);
    const { client: approver } = await signInApi(second.email, second.password);
    await admin.teachers.connect.mutate({ teacherId: big.id });
    await signInUi(page, world.staff.finance.email, world.staff.finance.password);

    // A draft set aside first: discarding asks for a reason, and the run shows it.
    const setAside = await creator.payouts.createRun.mutate({ currency: 'USD', cutoff });
    await page.goto(`${baseUrl()}/#/payouts/runs/${setAside.id}`);
    await actionBar(page).getByRole('button', { name: 'Discard' }).click();
    const discardDialog = page.getByRole('dialog', { name: `Discard payout run #${setAside.id}` });
    await discardDialog.getByRole('button', { name: 'Discard run' }).click();
    await expect(discardDialog.getByRole('alert')).toContainText('reason');
    await discardDialog.getByLabel('Reason (required)').fill('Cut-off chosen by mistake');
    await discardDialog.getByRole('button', { name: 'Discard run' }).click();
    await expect(discardDialog).toHaveCount(0);
    await expect(page.getByRole('heading', { name: /Payout run #/ })).toContainText('Discarded');
    await expect(page.getByTestId('discard-reason')).toContainText('Cut-off chosen by mistake');
    await expect(page.getByTestId('run-history')).toContainText('Discarded');
    await expect(page.getByTestId('run-history')).toContainText('“Cut-off chosen by mistake”');
    await expect(actionBar(page)).toContainText('No action is open to you for this run.');

    const draft = await creator.payouts.createRun.mutate({ currency: 'USD', cutoff });
    expect(draft.lines.find((line) => line.teacherId === big.id)?.status).toBe('READY');
    await approver.payouts.approve.mutate({ id: draft.id });

    // The creator may send what someone else approved; $4,000.00 is more than the available balance.
    await page.goto(`${baseUrl()}/#/payouts/runs/${draft.id}`);
    const heading = page.getByRole('heading', { name: /Payout run #/ });
    await expect(heading).toContainText('Approved — ready to send');
    await actionBar(page).getByRole('button', { name: 'Send transfers' }).click();
    const sendDialog = page.getByRole('dialog', { name: `Send transfers — payout run #${draft.id}` });
    await sendDialog.getByRole('button', { name: 'Send transfers' }).click();
    await expect(heading).toContainText('Partly failed');
    const line = page.getByTestId(`run-line-${big.id}`);
    await expect(line.getByTestId('line-state')).toHaveText('Failed');
    await expect(line.getByTestId('line-error')).toContainText(
      'Stripe refused the transfer: You have insufficient available funds in your Stripe account.',
    );
    await expect(line.getByTestId('line-error')).toContainText('(balance_insufficient)');
    await expect(actionBar(page).getByRole('button', { name: 'Retry failed lines' })).toBeEnabled();
    await screenshot(page, 'finance-run-line-failed');

    // Funds arrive (a charge available at once); the line's Retry sends it as a new transfer.
    const topUp = await admin.bookings.create.mutate({
      studentId: world.student.id,
      gigId: intensiveGigId,
      startsAt: new Date(Date.now() + 25 * DAY_MS),
      minutes: 240,
    });
    await admin.bookings.confirm.mutate({ id: topUp.id });
    const method = await admin.payments.attachMethod.mutate({
      studentId: world.student.id,
      paymentMethodId: 'pm_card_bypassPending',
    });
    const intent = await admin.payments.createIntent.mutate({
      bookingId: topUp.id,
      paymentMethodId: method.paymentMethodId,
    });
    const paid = await admin.payments.confirm.mutate({
      paymentIntentId: intent.paymentIntentId,
      paymentMethodId: method.paymentMethodId,
    });
    expect(paid.status).toBe('PAID');
    await line.getByRole('button', { name: 'Retry' }).click();
    await expect(line.getByTestId('line-state')).toHaveText('Sent');
    await expect(line.getByTestId('line-transfers')).toContainText(/tr_\w+/);
    await expect(line.getByTestId('line-error')).toHaveCount(0);
    await expect(line.getByRole('cell').nth(7)).toHaveText('2');
    await expect(heading).toContainText('Sent');
    await expect(page.getByTestId('run-history')).toContainText('Failed lines retried');
    expect(await admin.ledger.check.query()).toEqual({ ok: true, problems: [] });
  });
});
