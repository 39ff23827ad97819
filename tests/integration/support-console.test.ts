import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock, HOUR_MS, MINUTE_MS } from '../../src/main/domain/clock';
import { pollStripeEvents } from '../../src/main/jobs';
import { silentLogger } from '../../src/main/log';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';
import { buildScenario } from '../factories/scenario';
import { signedInCaller } from '../support/callers';
import { DB_KINDS, openTestContainer } from '../support/test-db';

const START = new Date('2026-12-01T09:00:00Z');

type Caller = Awaited<ReturnType<typeof signedInCaller>>['caller'];

/** The domain code a refused call ends with (tRPC's code when there is none). */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const cause = error.cause as { code?: string; issues?: unknown } | undefined;
    const code = cause?.code ?? (Array.isArray(cause?.issues) ? 'VALIDATION' : error.code);
    return { code, message: error.message };
  }
  throw new Error('expected a refusal');
}

/**
 * Support's console (issue 11): the people pages, the audit log with its filters and what each role
 * may read of it (R32, R34), and refund requests with their payment's money and the four-eyes state
 * (R24, R27) — all through the staff router, signed in as a console is.
 */
describe.each(DB_KINDS)('support console procedures on %s', (kind) => {
  const clock = fixedClock(START);
  // Asynchronous refund outcomes only when the test releases them, so a pending refund stays pending.
  const stripe = new StripeSandbox({ clock: () => clock.now().getTime(), asyncTimers: false });
  const zoom = new ZoomSandbox();
  const smtp = new SmtpSandbox();
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  const callers = {} as Record<'admin' | 'finance' | 'finance2' | 'support', Caller>;
  const staffIds = {} as Record<'admin' | 'finance' | 'finance2' | 'support', number>;

  beforeAll(async () => {
    await Promise.all([stripe.start(), zoom.start(), smtp.start()]);
    database = await openTestContainer(kind, clock, {
      integrations: { sandboxes: { stripe, zoom, smtp }, stripeTimeoutMs: 2_000, stripeRetries: 0 },
    });
    container = database.container;
    const roles = { admin: 'ADMIN', finance: 'FINANCE', finance2: 'FINANCE', support: 'SUPPORT' } as const;
    for (const [key, role] of Object.entries(roles) as [keyof typeof roles, (typeof roles)[keyof typeof roles]][]) {
      const signed = await signedInCaller(container, role, `${key}-person`);
      callers[key] = signed.caller;
      staffIds[key] = signed.staff.id;
    }
  });
  afterAll(async () => {
    await database.dispose();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
  });

  it('people.student: contact, bookings newest first with the next step while open, saved cards as display data only, payments; paged further by people.bookings (R32)', async () => {
    clock.set(START);
    const s = await buildScenario(container, {
      teachers: { ana: { timezone: 'Europe/Madrid', gigs: { es: { rate: 5000 } } } },
      students: { bob: { timezone: 'America/New_York' } },
      bookings: {
        asked: { student: 'bob', gig: 'ana.es', state: 'PENDING/UNPAID' },
        confirmed: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/UNPAID' },
        paid: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/PAID' },
        declined: { student: 'bob', gig: 'ana.es', state: 'CANCELLED/UNPAID' },
      },
    });
    const studentId = s.students.bob.id;
    // A second card, added later: the default (the most recent), listed first.
    clock.advance(MINUTE_MS);
    await callers.admin.payments.attachMethod({ studentId, paymentMethodId: 'pm_card_mastercard' });

    const page = await callers.support.people.student({ id: studentId });
    expect(page).toMatchObject({ id: studentId, name: 'bob', timezone: 'America/New_York' });
    expect(page.email).toMatch(/^bob-.*@learn\.test$/);
    // Newest first: all four were requested at the same instant, so by id, descending.
    expect(page.bookings.map((booking) => booking.id)).toEqual([
      s.bookings.declined.id,
      s.bookings.paid.id,
      s.bookings.confirmed.id,
      s.bookings.asked.id,
    ]);
    expect(page.bookingsNextCursor).toBeNull();
    const byId = new Map(page.bookings.map((booking) => [booking.id, booking]));
    // The queue table's columns.
    expect(byId.get(s.bookings.paid.id)).toMatchObject({
      studentName: 'bob',
      teacherName: 'ana',
      language: 'Spanish',
      status: 'CONFIRMED',
      paymentStatus: 'PAID',
      totalMinor: 5250,
      currency: 'USD',
    });
    // The booking page's words for what comes next, on open bookings only.
    expect(byId.get(s.bookings.asked.id)?.nextStep?.text).toContain('Waiting for the teacher to confirm');
    expect(byId.get(s.bookings.confirmed.id)?.nextStep?.text).toContain('The student must add a card and pay');
    expect(byId.get(s.bookings.confirmed.id)?.nextStep?.deadline).toBeInstanceOf(Date);
    expect(byId.get(s.bookings.paid.id)?.nextStep?.text).toContain('Paid.');
    expect(byId.get(s.bookings.declined.id)?.nextStep).toBeNull();
    const detail = await callers.support.bookings.get({ id: s.bookings.confirmed.id });
    expect(byId.get(s.bookings.confirmed.id)?.nextStep).toEqual(detail.nextStep);

    // R20: brand, last 4 and expiry, the default marked — never more (no Stripe ids, no country).
    expect(page.methods).toHaveLength(2);
    for (const method of page.methods)
      expect(Object.keys(method).sort()).toEqual(['brand', 'expMonth', 'expYear', 'isDefault', 'last4']);
    expect(page.methods.map((method) => [method.brand, method.isDefault])).toEqual([
      ['mastercard', true],
      ['visa', false],
    ]);
    expect(JSON.stringify(page.methods)).not.toContain('pm_');
    // The take-payment dialog's list marks the same default.
    const methods = await callers.support.payments.listMethods({ studentId });
    expect(methods.map((method) => [method.brand, method.isDefault])).toEqual([
      ['mastercard', true],
      ['visa', false],
    ]);

    expect(page.payments).toEqual([
      expect.objectContaining({
        bookingId: s.bookings.paid.id,
        status: 'PAID',
        amountMinor: 5250,
        refundedMinor: 0,
        reservedMinor: 0,
        card: { brand: 'visa', last4: expect.any(String) as string },
      }),
    ]);
    expect(page.refundRequests).toEqual([]);

    // Paging as the queues page: keyset cursors, no overlap, same order.
    const first = await callers.support.people.bookings({ studentId, limit: 3 });
    expect(first.items.map((booking) => booking.id)).toEqual(page.bookings.slice(0, 3).map((booking) => booking.id));
    expect(first.nextCursor).not.toBeNull();
    const second = await callers.support.people.bookings({ studentId, limit: 3, cursor: first.nextCursor ?? '' });
    expect(second.items.map((booking) => booking.id)).toEqual([s.bookings.asked.id]);
    expect(second.nextCursor).toBeNull();
    expect(second.items[0]?.nextStep?.text).toContain('Waiting for the teacher');
    expect(await refusal(callers.support.people.bookings({ limit: 3 }))).toMatchObject({ code: 'VALIDATION' });

    expect(await refusal(callers.support.people.student({ id: 999_999 }))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Student 999999 does not exist',
    });
    // The old procedures keep working.
    expect(await callers.support.people.getStudent({ id: studentId })).toMatchObject({ id: studentId, name: 'bob' });
  });

  it('people.teacher: gigs and bookings for everyone who reads people; the Stripe account and payout status only for roles that read payouts', async () => {
    clock.set(START);
    const s = await buildScenario(container, {
      teachers: { cai: { timezone: 'Asia/Tokyo', gigs: { fr: { rate: 4000, language: 'French' } } } },
      students: { dee: {} },
      bookings: { one: { student: 'dee', gig: 'cai.fr', state: 'CONFIRMED/UNPAID' } },
    });
    const teacherId = s.teachers.cai.id;

    const support = await callers.support.people.teacher({ id: teacherId });
    expect(support).toMatchObject({ id: teacherId, name: 'cai', timezone: 'Asia/Tokyo' });
    expect(support.gigs).toEqual([expect.objectContaining({ title: 'fr with cai', language: 'French' })]);
    expect(support.bookings.map((booking) => booking.id)).toEqual([s.bookings.one.id]);
    expect(support.bookings[0]?.nextStep?.text).toContain('The student must add a card and pay');
    // Finance data is not hidden behind null: it is not there at all for support.
    expect(support).not.toHaveProperty('stripeAccountId');
    expect(support).not.toHaveProperty('payoutStatus');
    expect(JSON.stringify(support)).not.toContain('acct_');

    expect(await callers.finance.people.teacher({ id: teacherId })).toMatchObject({
      stripeAccountId: null,
      payoutStatus: 'not_connected',
    });
    const connected = await callers.finance.teachers.connect({ teacherId });
    const finance = await callers.finance.people.teacher({ id: teacherId });
    expect(finance).toMatchObject({ stripeAccountId: connected.stripeAccountId, payoutStatus: 'ready' });
    expect(await callers.admin.people.teacher({ id: teacherId })).toMatchObject({ payoutStatus: 'ready' });
    const again = await callers.support.people.teacher({ id: teacherId });
    expect(again).not.toHaveProperty('stripeAccountId');
    expect(again).not.toHaveProperty('payoutStatus');
    // What support may not read directly, it cannot read through the page either.
    expect(await refusal(callers.support.teachers.payoutStatus({ teacherId }))).toMatchObject({ code: 'FORBIDDEN' });

    expect(await refusal(callers.support.people.teacher({ id: 999_999 }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await callers.support.people.getTeacher({ id: teacherId })).toMatchObject({ id: teacherId });
  });

  it('audit.list: filters by booking, person, staff member, action and date range, newest first with keyset paging; staff named, not numbered', async () => {
    // Sessions last 12 hours (R34): every test stays within them.
    const t0 = new Date(START.getTime() + HOUR_MS);
    clock.set(t0);
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT' },
      teachers: { eva: { gigs: { de: { rate: 6000, language: 'German' } } } },
      students: { fin: {}, gus: {} },
      bookings: {
        fins: { student: 'fin', gig: 'eva.de', state: 'CONFIRMED/PAID' },
        gus1: { student: 'gus', gig: 'eva.de', state: 'PENDING/UNPAID' },
      },
    });
    const bookingId = s.bookings.fins.id;
    clock.set(new Date(t0.getTime() + HOUR_MS));
    await callers.support.bookings.cancel({ id: s.bookings.gus1.id, reason: 'The student asked to cancel' });
    clock.set(new Date(t0.getTime() + 2 * HOUR_MS));
    await callers.admin.settings.update({ paymentWindowMinutes: 20 });
    await callers.admin.settings.update({ paymentWindowMinutes: 15 });

    // A booking's history: the booking's entries and its payment's, each naming the booking.
    const history = await callers.admin.audit.list({ bookingId });
    expect(history.items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(history.items.map((entry) => entry.bookingId))).toEqual(new Set([bookingId]));
    expect(history.items.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['booking.create', 'booking.confirm', 'payment.create']),
    );
    const ids = history.items.map((entry) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // The confirm was the teacher's (no staff name); the creation the scenario's admin, by name.
    const created = history.items.find((entry) => entry.action === 'booking.create');
    expect(created).toMatchObject({ actorStaffId: s.admin.id, actorName: 'Scenario Admin', actorRole: 'ADMIN' });
    expect(history.items.find((entry) => entry.action === 'booking.confirm')).toMatchObject({
      actorStaffId: null,
      actorName: null,
      actorRole: 'TEACHER',
      data: { from: { status: 'PENDING' }, to: { status: 'CONFIRMED' } },
    });

    // A student: their own entries (a saved card) and their bookings' history, nobody else's.
    const fin = await callers.admin.audit.list({ studentId: s.students.fin.id });
    expect(fin.items.map((entry) => `${entry.entity}:${entry.action}`)).toEqual(
      expect.arrayContaining([
        'Student:student.create',
        'Student:payment_method.attach',
        'Booking:booking.create',
        'Payment:payment.create',
      ]),
    );
    expect(fin.items.every((entry) => entry.bookingId === null || entry.bookingId === bookingId)).toBe(true);
    // A teacher: their entries, gigs and every booking of theirs.
    const eva = await callers.admin.audit.list({ teacherId: s.teachers.eva.id });
    expect(eva.items.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['teacher.create', 'gig.create', 'booking.cancel']),
    );
    expect(new Set(eva.items.flatMap((entry) => (entry.bookingId === null ? [] : [entry.bookingId])))).toEqual(
      new Set([bookingId, s.bookings.gus1.id]),
    );

    // A staff member's actions, by name.
    const bySupport = await callers.admin.audit.list({ staffId: staffIds.support });
    expect(bySupport.items.length).toBeGreaterThan(0);
    expect(bySupport.items.every((entry) => entry.actorStaffId === staffIds.support)).toBe(true);
    expect(bySupport.items[0]).toMatchObject({
      action: 'booking.cancel',
      actorName: 'support-person',
      actorRole: 'SUPPORT',
      data: { reason: 'The student asked to cancel' },
    });

    // An action, or its family.
    const cancels = await callers.admin.audit.list({ action: 'booking.cancel', teacherId: s.teachers.eva.id });
    expect(cancels.items.map((entry) => entry.action)).toEqual(['booking.cancel']);
    const bookingFamily = await callers.admin.audit.list({ action: 'booking', bookingId });
    expect(bookingFamily.items.length).toBeGreaterThan(0);
    expect(bookingFamily.items.every((entry) => entry.action.startsWith('booking.'))).toBe(true);

    // A date range: [from, to).
    const window = await callers.admin.audit.list({
      from: new Date(t0.getTime() + HOUR_MS),
      to: new Date(t0.getTime() + 2 * HOUR_MS),
    });
    expect(window.items.map((entry) => entry.action)).toEqual(['booking.cancel']);
    const settings = await callers.admin.audit.list({ from: new Date(t0.getTime() + 2 * HOUR_MS), entity: 'Settings' });
    expect(settings.items).toHaveLength(2);
    // Before and after are in the entry's data.
    expect(settings.items[1]?.data).toMatchObject({
      before: { paymentWindowMinutes: 15 },
      changes: { paymentWindowMinutes: 20 },
    });

    // Keyset paging: the pages add up to the whole, in order, without overlap.
    const pageOne = await callers.admin.audit.list({ teacherId: s.teachers.eva.id, limit: 2 });
    expect(pageOne.items).toHaveLength(2);
    const pageTwo = await callers.admin.audit.list({
      teacherId: s.teachers.eva.id,
      limit: 200,
      cursor: pageOne.nextCursor ?? undefined,
    });
    expect([...pageOne.items, ...pageTwo.items].map((entry) => entry.id)).toEqual(eva.items.map((entry) => entry.id));
    expect(pageTwo.nextCursor).toBeNull();

    expect(await refusal(callers.admin.audit.list({ action: 'DROP TABLE' }))).toMatchObject({ code: 'VALIDATION' });
  });

  it('R32/R34: support reads booking history only — never staff accounts, settings, credentials or payouts — enforced by the server; finance and admins read all', async () => {
    clock.set(new Date(START.getTime() + 4 * HOUR_MS));
    const s = await buildScenario(container, {
      staff: { ned: 'SUPPORT' },
      teachers: { hal: { gigs: { it: { rate: 5000, language: 'Italian' } } } },
      students: { ivy: {} },
      bookings: { b: { student: 'ivy', gig: 'hal.it', state: 'CONFIRMED/PAID' } },
    });
    await callers.admin.settings.update({ payoutHoldDays: 4 });
    await callers.admin.settings.update({ payoutHoldDays: 3 });
    await callers.finance.teachers.connect({ teacherId: s.teachers.hal.id });

    const everything = await callers.finance.audit.list({ limit: 200 });
    const entities = new Set(everything.items.map((entry) => entry.entity));
    for (const entity of ['Staff', 'Settings', 'Teacher', 'Booking', 'Payment']) expect(entities).toContain(entity);
    expect((await callers.admin.audit.list({ entity: 'Staff' })).items.length).toBeGreaterThan(0);

    const support = await callers.support.audit.list({ limit: 200 });
    expect(support.items.length).toBeGreaterThan(0);
    expect(new Set(support.items.map((entry) => entry.entity))).toEqual(new Set(['Booking', 'Payment']));
    expect(support.items.every((entry) => entry.bookingId !== null)).toBe(true);
    // Filters narrow what support sees; none widens it.
    const ivy = await callers.support.audit.list({ studentId: s.students.ivy.id });
    expect(ivy.items.map((entry) => entry.entity)).not.toContain('Student');
    expect(ivy.items.length).toBeGreaterThan(0);
    const hal = await callers.support.audit.list({ teacherId: s.teachers.hal.id });
    expect(hal.items.map((entry) => entry.action)).not.toContain('teacher.connect');
    expect(
      (await callers.support.audit.list({ staffId: s.admin.id })).items.map((entry) => entry.entity),
    ).not.toContain('Staff');
    for (const entity of ['Staff', 'Settings', 'Teacher', 'PayoutRun', 'ReconciliationMismatch']) {
      expect(await refusal(callers.support.audit.list({ entity })), entity).toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining('only booking history') as string,
      });
    }
    // Asking for an action outside booking history finds nothing rather than leaking it.
    expect((await callers.support.audit.list({ action: 'settings' })).items).toEqual([]);
    expect((await callers.support.audit.list({ action: 'staff.create' })).items).toEqual([]);

    // The staff filter's choices: support is offered only those who acted on bookings.
    const supportActors = await callers.support.audit.actors();
    const adminActors = await callers.admin.audit.actors();
    expect(adminActors.map((actor) => actor.id)).toEqual(expect.arrayContaining([staffIds.admin, s.admin.id]));
    expect(supportActors.map((actor) => actor.id)).not.toContain(staffIds.admin); // settings only
    expect(supportActors.map((actor) => actor.id)).toContain(s.admin.id); // created bookings
    expect(supportActors[0]).toEqual({
      id: expect.any(Number) as number,
      name: expect.any(String) as string,
      role: expect.any(String) as string,
    });
  });

  it('refunds.list in context: who asked, student and teacher, paid, refunded, pending and what remains after partial and pending refunds; the four-eyes state (R24, R27)', async () => {
    const t0 = new Date(START.getTime() + 5 * HOUR_MS);
    clock.set(t0);
    const s = await buildScenario(container, {
      teachers: { jon: { gigs: { pt: { rate: 30_000, language: 'Portuguese' } } } },
      students: { kim: {} },
      bookings: { b: { student: 'kim', gig: 'jon.pt', startsInHours: 2, minutes: 60, state: 'CONFIRMED/UNPAID' } },
    });
    const id = s.bookings.b.id;
    // Paid with the card whose refunds are pending at Stripe until the test releases them.
    const method = await callers.admin.payments.attachMethod({
      studentId: s.students.kim.id,
      paymentMethodId: 'pm_card_pendingRefund',
    });
    const intent = await callers.admin.payments.createIntent({
      bookingId: id,
      paymentMethodId: method.paymentMethodId,
    });
    await callers.admin.payments.confirm({ paymentIntentId: intent.paymentIntentId });
    clock.set(new Date(t0.getTime() + 4 * HOUR_MS));
    await callers.admin.bookings.complete({ id });
    const paymentId = intent.paymentId;
    expect(intent.amountMinor).toBe(31_500);

    // A: $30.00, approved, pending at Stripe, then succeeded.
    const a = await callers.support.refunds.request({ paymentId, amountMinor: 3_000, reason: 'Late start' });
    expect((await callers.finance.refunds.approve({ id: a.id })).status).toBe('PENDING');
    stripe.settleAsync();
    await pollStripeEvents(container, silentLogger);
    // B: $20.00, approved and still pending at Stripe.
    const b = await callers.support.refunds.request({ paymentId, amountMinor: 2_000, reason: 'Audio problems' });
    expect((await callers.finance.refunds.approve({ id: b.id })).status).toBe('PENDING');
    // C: $210.00, above the four-eyes threshold: approved once, waiting for a second approver.
    const c = await callers.support.refunds.request({ paymentId, amountMinor: 21_000, reason: 'Teacher absent' });
    expect((await callers.finance.refunds.approve({ id: c.id })).status).toBe('AWAITING_SECOND_APPROVAL');
    // D: $1.00, filed by finance, nobody decided yet.
    const d = await callers.finance.refunds.request({ paymentId, amountMinor: 100, reason: 'Goodwill' });

    const list = await callers.support.refunds.list({ limit: 200 });
    const mine = list.items.filter((item) => item.paymentId === paymentId);
    expect(mine.map((item) => item.id)).toEqual([d.id, c.id, b.id, a.id]);
    // Paid $315.00, refunded $30.00, pending $20.00 + $210.00 + $1.00, remaining $54.00.
    for (const item of mine)
      expect(item.money).toEqual({
        paidMinor: 31_500,
        refundedMinor: 3_000,
        pendingMinor: 23_100,
        remainingMinor: 5_400,
      });
    const [rd, rc, rb, ra] = mine;
    expect(ra).toMatchObject({
      status: 'SUCCEEDED',
      requestedBy: { id: staffIds.support, name: 'support-person' },
      firstApprover: { id: staffIds.finance, name: 'finance-person' },
      secondApprover: null,
      student: { id: s.students.kim.id, name: 'kim' },
      teacher: { id: s.teachers.jon.id, name: 'jon' },
      approvals: { approvalsNeeded: 1, awaiting: null },
    });
    expect(rb).toMatchObject({ status: 'PENDING', approvals: { awaiting: null } });
    expect(rc).toMatchObject({
      status: 'AWAITING_SECOND_APPROVAL',
      firstApprover: { name: 'finance-person' },
      approvals: {
        approvalsNeeded: 2,
        awaiting: expect.stringContaining('a second approval from another FINANCE or ADMIN') as string,
      },
    });
    expect(rd).toMatchObject({
      status: 'REQUESTED',
      requestedBy: { id: staffIds.finance, name: 'finance-person' },
      approvals: { approvalsNeeded: 1, awaiting: expect.stringContaining('other than the requester') as string },
    });
    // What remains is exactly what the server still accepts (R24): one cent more is refused.
    expect(
      await refusal(callers.support.refunds.request({ paymentId, amountMinor: 5_401, reason: 'one cent too much' })),
    ).toMatchObject({ code: 'REFUND_EXCEEDS_REMAINING' });

    // The second approver completes C: still pending at Stripe, so still reserved; the numbers follow.
    expect((await callers.finance2.refunds.approve({ id: c.id })).status).toBe('PENDING');
    const open = await callers.finance.refunds.list({ status: 'OPEN', limit: 200 });
    const openC = open.items.find((item) => item.id === c.id);
    expect(openC).toMatchObject({
      secondApprover: { id: staffIds.finance2, name: 'finance2-person' },
      approvals: { approvalsNeeded: 2, awaiting: null },
      money: { refundedMinor: 3_000, pendingMinor: 23_100, remainingMinor: 5_400 },
    });
    // Stripe settles B and C: refunded grows, pending shrinks to D's dollar.
    stripe.settleAsync();
    await pollStripeEvents(container, silentLogger);
    const settled = (await callers.finance.refunds.list({ limit: 200 })).items.find((item) => item.id === d.id);
    expect(settled?.money).toEqual({
      paidMinor: 31_500,
      refundedMinor: 26_000,
      pendingMinor: 100,
      remainingMinor: 5_400,
    });

    // The student's page lists their refund requests with the same context, open ones first.
    const student = await callers.support.people.student({ id: s.students.kim.id });
    expect(student.refundRequests.map((item) => [item.id, item.status])).toEqual([
      [d.id, 'REQUESTED'],
      [c.id, 'SUCCEEDED'],
      [b.id, 'SUCCEEDED'],
      [a.id, 'SUCCEEDED'],
    ]);
    expect(student.refundRequests[0]?.money).toEqual(settled?.money);
    expect(student.payments[0]).toMatchObject({ id: paymentId, refundedMinor: 26_000, reservedMinor: 100 });
    // The payments list names and links the people too.
    const payments = await callers.support.payments.list({ limit: 200 });
    expect(payments.items.find((item) => item.id === paymentId)).toMatchObject({
      student: { id: s.students.kim.id, name: 'kim' },
      teacher: { id: s.teachers.jon.id, name: 'jon' },
      reservedMinor: 100,
    });
  });
});
