import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Container } from '../../src/main/container';
import { prismaUnitOfWork } from '../../src/main/db/repositories';
import type { UnitOfWork } from '../../src/main/services/ports';
import { buildScenario } from '../factories/scenario';
import { DB_KINDS, openTestContainer } from '../support/test-db';

/**
 * Outbox rows, sent emails and ledger postings are written as one fixed statement over a JSON
 * parameter (src/main/db/repositories/json-rows.ts) instead of Prisma's createMany. What they write
 * must be what createMany wrote: every field, times to the millisecond in UTC, the drafts' order, and a
 * repeat of the same key or outbox row skipped — on both databases. A delivery's outcome is one
 * statement too, which writes all of itself or nothing.
 */
describe.each(DB_KINDS)('raw multi-row writes on %s', (kind) => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;
  /** The same database, with no outbox worker told of commits: the rows are looked at as written, before any delivery. */
  let uow: UnitOfWork;

  beforeAll(async () => {
    database = await openTestContainer(kind, systemClock);
    container = database.container;
    uow = prismaUnitOfWork(container.db);
  });
  afterAll(async () => {
    await database.dispose();
  });

  it('enqueues outbox drafts in order, with their payload and times, and skips a key already there', async () => {
    const notBefore = new Date('2031-05-06T07:08:09.123Z');
    const before = Date.now();
    await uow.transaction((repos) =>
      repos.outbox.enqueue([
        {
          key: `raw:${kind}:1`,
          kind: 'email',
          bookingId: null,
          payload: { template: 'a', nested: { n: 1, s: 'é"\\' } },
        },
        { key: `raw:${kind}:2`, kind: 'zoom.create_meeting', bookingId: null, payload: {}, notBefore },
      ]),
    );
    await uow.transaction((repos) =>
      repos.outbox.enqueue([
        { key: `raw:${kind}:2`, kind: 'email', bookingId: null, payload: { template: 'again' } },
        { key: `raw:${kind}:3`, kind: 'email', bookingId: null, payload: { template: 'c' } },
      ]),
    );
    const rows = await container.db.prisma.outboxMessage.findMany({
      where: { key: { startsWith: `raw:${kind}:` } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((row) => [row.key, row.kind, row.status, row.attempts, row.payload])).toEqual([
      [`raw:${kind}:1`, 'email', 'PENDING', 0, { template: 'a', nested: { n: 1, s: 'é"\\' } }],
      [`raw:${kind}:2`, 'zoom.create_meeting', 'PENDING', 0, {}], // the repeat changed nothing
      [`raw:${kind}:3`, 'email', 'PENDING', 0, { template: 'c' }],
    ]);
    const [first, second] = rows;
    expect(second?.nextAttemptAt.toISOString()).toBe(notBefore.toISOString());
    for (const row of [first, second]) {
      expect(row?.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(row?.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1);
    }
    expect(first?.nextAttemptAt.getTime()).toBe(first?.createdAt.getTime());
  });

  it('records an email once per outbox row, exactly as sent', async () => {
    const sentAt = new Date('2030-01-02T03:04:05.678Z');
    const email = {
      outboxKey: `raw:${kind}:mail`,
      bookingId: null,
      template: 'booking_paid',
      recipientRole: 'student',
      recipient: 'ana@example.test',
      subject: 'Your lesson is paid — “Spanish”',
      messageId: '<m1@linguaflex>',
      sentAt,
    };
    await uow.transaction((repos) => repos.deliveries.recordEmail(email));
    await uow.transaction((repos) => repos.deliveries.recordEmail({ ...email, subject: 'a repeat' }));
    const rows = await container.db.prisma.sentEmail.findMany({ where: { outboxKey: email.outboxKey } });
    expect(rows).toEqual([{ id: expect.any(Number) as number, ...email }]);
  });

  it('settles a delivery in one statement: what it did, its row delivered and the logged event — or none of them', async () => {
    const enqueue = (key: string) =>
      uow.transaction((repos) => repos.outbox.enqueue([{ key, kind: 'email', bookingId: 9, payload: {} }]));
    const rowOf = (key: string) => container.db.prisma.outboxMessage.findUniqueOrThrow({ where: { key } });
    const at = new Date('2030-03-04T05:06:07.891Z');
    const event = (kind: string) => ({ type: 'booking.delivered', payload: { bookingId: 9, kind }, at });
    const bookingId = 900_000 + (kind === 'pglite' ? 1 : 2);
    const meeting = {
      bookingId,
      zoomMeetingId: '8123',
      topic: 'Spanish (Spanish)',
      startsAt: new Date('2030-04-01T10:00:00.000Z'),
      minutes: 60,
      timezone: 'Europe/Madrid',
      joinUrl: 'https://zoom.test/j/8123',
      startUrl: 'https://zoom.test/s/8123',
      password: 'pw',
    };
    const latest = await uow.read.eventLog.latestId();

    // The email sent: recorded with the row delivered and the event logged.
    const mailKey = `settle:${kind}:mail`;
    await enqueue(mailKey);
    const email = {
      outboxKey: mailKey,
      bookingId,
      template: 'payment_received',
      recipientRole: 'student',
      recipient: 'ana@example.test',
      subject: 'Paid — “Spanish”',
      messageId: '<s1@linguaflex>',
      sentAt: new Date('2030-03-04T05:06:07.001Z'),
    };
    const logged = await uow.read.outboxWork.settle((await rowOf(mailKey)).id, at, { kind: 'email', email }, [
      event('email'),
    ]);
    expect(logged).toEqual([{ id: expect.any(Number) as number, ...event('email') }]);
    expect(logged[0]?.id).toBeGreaterThan(latest);
    expect(await rowOf(mailKey)).toMatchObject({ status: 'DELIVERED', deliveredAt: at, lockedUntil: null });
    expect(await container.db.prisma.sentEmail.findMany({ where: { outboxKey: mailKey } })).toEqual([
      { id: expect.any(Number) as number, ...email },
    ]);

    // The meeting made, then moved.
    const makeKey = `settle:${kind}:make`;
    await enqueue(makeKey);
    await uow.read.outboxWork.settle((await rowOf(makeKey)).id, at, { kind: 'meeting', meeting }, []);
    expect(await uow.read.deliveries.findMeeting(bookingId)).toEqual({
      id: expect.any(Number) as number,
      ...meeting,
      createdAt: at,
      deletedAt: null,
    });
    const moveKey = `settle:${kind}:move`;
    await enqueue(moveKey);
    const movedTo = new Date('2030-04-02T11:30:00.000Z');
    await uow.read.outboxWork.settle(
      (await rowOf(moveKey)).id,
      at,
      { kind: 'meeting_moved', bookingId, startsAt: movedTo, minutes: 90 },
      [event('zoom.update_meeting')],
    );
    expect(await uow.read.deliveries.findMeeting(bookingId)).toMatchObject({
      zoomMeetingId: '8123',
      startsAt: movedTo,
      minutes: 90,
    });

    // A second meeting for the booking fails the statement: its row stays pending and nothing is logged.
    const againKey = `settle:${kind}:again`;
    await enqueue(againKey);
    const beforeAgain = await uow.read.eventLog.latestId();
    await expect(
      uow.read.outboxWork.settle(
        (await rowOf(againKey)).id,
        at,
        { kind: 'meeting', meeting: { ...meeting, zoomMeetingId: '9999' } },
        [event('zoom.create_meeting')],
      ),
    ).rejects.toThrow();
    expect(await rowOf(againKey)).toMatchObject({ status: 'PENDING', deliveredAt: null });
    expect(await uow.read.eventLog.latestId()).toBe(beforeAgain);
    expect(await uow.read.deliveries.findMeeting(bookingId)).toMatchObject({ zoomMeetingId: '8123' });
  });

  it("writes a transaction's audit entries with its event-log rows, the rest at its commit, and none when it rolls back", async () => {
    const entity = `AuditRaw-${kind}`;
    const entry = (action: string, data?: Record<string, unknown>) => ({
      actorStaffId: null,
      actorRole: 'SYSTEM',
      action,
      entity,
      entityId: '7',
      ...(data ? { data } : {}),
      at: new Date('2030-05-06T07:08:09.345Z'),
    });
    const entries = () => uow.read.audit.list({ entity, entityId: '7', limit: 50 });
    const logged = await uow.transaction(async (repos) => {
      await repos.audit.append(entry('first', { nested: { n: 1, s: 'é"\\' } }));
      await repos.audit.append(entry('second'));
      // A read of the log in the transaction sees what the transaction wrote.
      expect((await repos.audit.list({ entity, entityId: '7', limit: 50 })).map((row) => row.action)).toEqual([
        'second',
        'first',
      ]);
      await repos.audit.append(entry('third'));
      const rows = await repos.eventLog.append([{ type: 'test.audited', payload: { n: 1 }, at: new Date() }]);
      await repos.audit.append(entry('after the log'));
      return rows;
    });
    expect(logged).toHaveLength(1);
    const written = await entries();
    expect(written.map((row) => [row.action, row.data, row.at.toISOString()]).reverse()).toEqual([
      ['first', { nested: { n: 1, s: 'é"\\' } }, '2030-05-06T07:08:09.345Z'],
      ['second', {}, '2030-05-06T07:08:09.345Z'],
      ['third', {}, '2030-05-06T07:08:09.345Z'],
      ['after the log', {}, '2030-05-06T07:08:09.345Z'],
    ]);
    await expect(
      uow.transaction(async (repos) => {
        await repos.audit.append(entry('rolled back'));
        await repos.eventLog.append([{ type: 'test.audited', payload: { n: 2 }, at: new Date() }]);
        await repos.audit.append(entry('rolled back too'));
        throw new Error('the use case failed');
      }),
    ).rejects.toThrow('the use case failed');
    expect(await entries()).toHaveLength(4);
  });

  it("writes a transaction's outbox rows with its event-log rows or at its commit, in order, and none when it rolls back", async () => {
    const key = (n: string) => `pending:${kind}:${n}`;
    const draft = (n: string) => ({ key: key(n), kind: 'email', bookingId: null, payload: { n } });
    const statuses = async () =>
      (
        await container.db.prisma.outboxMessage.findMany({
          where: { key: { startsWith: `pending:${kind}:` } },
          orderBy: { id: 'asc' },
        })
      ).map((row) => [row.key, row.payload]);
    await uow.transaction(async (repos) => {
      await repos.outbox.enqueue([draft('a'), draft('b')]);
      await repos.audit.append({
        actorStaffId: null,
        actorRole: 'SYSTEM',
        action: 'held',
        entity: `OutboxRaw-${kind}`,
        entityId: '1',
        at: new Date(),
      });
      await repos.eventLog.append([{ type: 'test.enqueued', payload: {}, at: new Date() }]);
      await repos.outbox.enqueue([draft('c'), draft('a')]); // after the log: at the commit; a's repeat skipped
    });
    expect(await statuses()).toEqual([
      [key('a'), { n: 'a' }],
      [key('b'), { n: 'b' }],
      [key('c'), { n: 'c' }],
    ]);
    expect(await uow.read.audit.list({ entity: `OutboxRaw-${kind}`, entityId: '1', limit: 5 })).toHaveLength(1);
    // A read of the outbox in the transaction sees the rows it asked for.
    const seen = await uow.transaction(async (repos) => {
      await repos.outbox.enqueue([draft('d')]);
      return repos.outbox.statusOf(key('d'));
    });
    expect(seen).toBe('PENDING');
    await expect(
      uow.transaction(async (repos) => {
        await repos.outbox.enqueue([draft('e')]);
        await repos.eventLog.append([{ type: 'test.enqueued', payload: {}, at: new Date() }]);
        await repos.outbox.enqueue([draft('f')]);
        throw new Error('the use case failed');
      }),
    ).rejects.toThrow('the use case failed');
    expect((await statuses()).map(([k]) => k)).toEqual([key('a'), key('b'), key('c'), key('d')]);
  });

  it("writes a booking and each of its transitions with the transition's record in one statement, or nothing", async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
    });
    const at = new Date('2030-06-07T08:09:10.111Z');
    const startsAt = new Date('2030-07-01T10:00:00.000Z');
    const endsAt = new Date('2030-07-01T11:00:00.000Z');
    const record = {
      actorKind: 'STUDENT' as const,
      actorId: s.students.bob.id,
      actorRole: 'student',
      reason: null,
      at,
    };
    const created = await uow.transaction((repos) =>
      repos.bookings.insert(
        {
          studentId: s.students.bob.id,
          teacherId: s.teachers.ana.id,
          gigId: s.teachers.ana.gigs.es.id,
          startsAt,
          endsAt,
          minutes: 60,
          status: 'PENDING',
          paymentStatus: 'UNPAID',
          notes: 'Bring the “workbook”',
          currency: 'USD',
          hourlyRateMinor: 4000,
          baseMinor: 4000,
          feeMinor: 400,
          totalMinor: 4400,
          teacherMinor: 4000,
          platformMinor: 400,
          feeRateBps: 1000,
          minimumFeeMinor: 100,
          createdAt: at,
        },
        {
          ...record,
          action: 'create',
          fromStatus: null,
          toStatus: 'PENDING',
          fromPaymentStatus: null,
          toPaymentStatus: 'UNPAID',
        },
      ),
    );
    const id = created.booking.id;
    expect(created.booking).toMatchObject({
      startsAt,
      endsAt,
      notes: 'Bring the “workbook”',
      status: 'PENDING',
      paymentStatus: 'UNPAID',
      totalMinor: 4400,
      version: 1,
      rescheduleCount: 0,
      cancelReason: null,
      createdAt: at,
      updatedAt: at,
    });
    expect(await uow.read.bookings.findById(id)).toEqual(created.booking);

    // Moved: the new times and one more move; the record carries both starts.
    const to = new Date('2030-07-02T12:00:00.000Z');
    const later = new Date('2030-06-08T00:00:00.000Z');
    const moved = await uow.transaction((repos) =>
      repos.bookings.applyTransition(
        id,
        1,
        { status: 'CONFIRMED', paymentStatus: 'UNPAID' },
        { updatedAt: later, moveTo: { startsAt: to, endsAt: new Date(to.getTime() + 3_600_000) } },
        {
          ...record,
          action: 'reschedule',
          fromStatus: 'PENDING',
          toStatus: 'CONFIRMED',
          fromPaymentStatus: 'UNPAID',
          toPaymentStatus: 'UNPAID',
          fromStartsAt: startsAt,
          toStartsAt: to,
          at: later,
        },
      ),
    );
    expect(moved?.booking).toMatchObject({
      status: 'CONFIRMED',
      version: 2,
      startsAt: to,
      rescheduleCount: 1,
      updatedAt: later,
    });
    expect(moved?.booking.cancelReason).toBeNull();
    // Cancelled with a reason; the times stay.
    const cancelled = await uow.transaction((repos) =>
      repos.bookings.applyTransition(
        id,
        2,
        { status: 'CANCELLED', paymentStatus: 'UNPAID' },
        { updatedAt: later, cancelReason: 'Ill' },
        {
          ...record,
          action: 'cancel',
          fromStatus: 'CONFIRMED',
          toStatus: 'CANCELLED',
          fromPaymentStatus: 'UNPAID',
          toPaymentStatus: 'UNPAID',
          reason: 'Ill',
        },
      ),
    );
    expect(cancelled?.booking).toMatchObject({
      status: 'CANCELLED',
      version: 3,
      startsAt: to,
      rescheduleCount: 1,
      cancelReason: 'Ill',
    });
    // A stale version writes nothing: neither the booking nor a record.
    const stale = await uow.transaction((repos) =>
      repos.bookings.applyTransition(
        id,
        2,
        { status: 'COMPLETED', paymentStatus: 'UNPAID' },
        { updatedAt: later },
        {
          ...record,
          action: 'complete',
          fromStatus: 'CONFIRMED',
          toStatus: 'COMPLETED',
          fromPaymentStatus: 'UNPAID',
          toPaymentStatus: 'UNPAID',
        },
      ),
    );
    expect(stale).toBeNull();
    expect(await uow.read.bookings.findById(id)).toEqual(cancelled?.booking);
    const transitions = await uow.read.bookings.transitions(id);
    expect(transitions.map((row) => row.id)).toEqual([
      created.transitionId,
      moved?.transitionId,
      cancelled?.transitionId,
    ]);
    expect(
      transitions.map((row) => [
        row.action,
        row.fromStatus,
        row.toStatus,
        row.actorKind,
        row.actorId,
        row.reason,
        row.fromStartsAt,
        row.toStartsAt,
        row.at,
      ]),
    ).toEqual([
      ['create', null, 'PENDING', 'STUDENT', s.students.bob.id, null, null, null, at],
      ['reschedule', 'PENDING', 'CONFIRMED', 'STUDENT', s.students.bob.id, null, startsAt, to, later],
      ['cancel', 'CONFIRMED', 'CANCELLED', 'STUDENT', s.students.bob.id, 'Ill', null, null, at],
    ]);
  });

  it("writes a payment and its transitions with the transition's record in one statement; fields left out keep their value", async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' } },
    });
    const bookingId = s.bookings.a.id;
    const at = new Date('2030-08-09T10:11:12.131Z');
    const record = { bookingId, actorKind: 'SYSTEM' as const, actorId: null, actorRole: 'system', reason: null, at };
    const payment = await uow.transaction((repos) =>
      repos.payments.insert(
        {
          bookingId,
          amountMinor: 4400,
          currency: 'USD',
          idempotencyKey: `raw-${kind}-pay`,
          status: 'PENDING',
          createdAt: at,
        },
        { ...record, action: 'create', fromState: null, toState: 'PENDING', data: null },
      ),
    );
    expect(payment).toMatchObject({
      bookingId,
      amountMinor: 4400,
      status: 'PENDING',
      refundedMinor: 0,
      intentAttempt: 1,
      stripePaymentIntentId: null,
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
    const later = new Date('2030-08-10T00:00:00.000Z');
    const facts = {
      stripePaymentIntentId: `pi_raw_${kind}`,
      stripeStatus: 'requires_action',
      lastError: 'card declined',
    };
    const waiting = await uow.transaction((repos) =>
      repos.payments.applyTransition(
        payment.id,
        1,
        'PENDING',
        { ...facts, intentSentAt: at, updatedAt: later },
        {
          ...record,
          action: 'requires_action',
          fromState: 'PENDING',
          toState: 'PENDING',
          data: { step: 'auth', n: 1, until: later },
        },
      ),
    );
    expect(waiting).toMatchObject({
      ...facts,
      intentSentAt: at,
      version: 2,
      updatedAt: later,
      idempotencyKey: `raw-${kind}-pay`,
    });
    // Explicit nulls clear; fields left out keep their value.
    const paid = await uow.transaction((repos) =>
      repos.payments.applyTransition(
        payment.id,
        2,
        'PAID',
        {
          stripeStatus: 'succeeded',
          stripeChargeId: 'ch_1',
          lastError: null,
          paidAt: later,
          refundedMinor: 0,
          updatedAt: later,
        },
        { ...record, action: 'succeed', fromState: 'PENDING', toState: 'PAID', data: null },
      ),
    );
    expect(paid).toMatchObject({
      status: 'PAID',
      stripePaymentIntentId: `pi_raw_${kind}`,
      stripeStatus: 'succeeded',
      stripeChargeId: 'ch_1',
      lastError: null,
      paidAt: later,
      intentSentAt: at,
      version: 3,
    });
    const stale = await uow.transaction((repos) =>
      repos.payments.applyTransition(
        payment.id,
        2,
        'FAILED',
        { updatedAt: later },
        {
          ...record,
          action: 'fail',
          fromState: 'PENDING',
          toState: 'FAILED',
          data: null,
        },
      ),
    );
    expect(stale).toBeNull();
    expect(await uow.read.payments.findById(payment.id)).toEqual(paid);
    const records = await uow.read.transitions.forAggregate('payment', payment.id);
    expect(records.map((row) => [row.action, row.fromState, row.toState, row.bookingId, row.data, row.at])).toEqual([
      ['create', null, 'PENDING', bookingId, null, at],
      ['requires_action', 'PENDING', 'PENDING', bookingId, { step: 'auth', n: 1, until: later.toISOString() }, at],
      ['succeed', 'PENDING', 'PAID', bookingId, null, at],
    ]);
  });

  /** A booking's new PENDING payment, written as the intent's creation writes it. */
  async function pendingPayment(idempotencyKey: string, at: Date) {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' } },
    });
    const bookingId = s.bookings.a.id;
    return uow.transaction((repos) =>
      repos.payments.insert(
        { bookingId, amountMinor: 4400, currency: 'USD', idempotencyKey, status: 'PENDING', createdAt: at },
        {
          bookingId,
          actorKind: 'SYSTEM',
          actorId: null,
          actorRole: 'system',
          reason: null,
          at,
          action: 'create',
          fromState: null,
          toState: 'PENDING',
          data: null,
        },
      ),
    );
  }

  it("records Stripe's facts on a payment through the driver as in a transaction: times in UTC, nulls clear, the rest stays", async () => {
    const at = new Date('2031-01-02T03:04:05.678Z');
    const payment = await pendingPayment(`raw-${kind}-facts`, at);
    const sent = new Date('2031-01-02T03:04:06.001Z');
    // Outside a transaction (the driver's own statement), as the intent's creation records them.
    const marked = await uow.read.payments.recordStripeFacts(payment.id, { intentSentAt: sent }, sent);
    expect(marked).toEqual({ ...payment, intentSentAt: sent, updatedAt: sent });
    const later = new Date('2031-01-02T03:04:07.002Z');
    const created = await uow.read.payments.recordStripeFacts(
      payment.id,
      { stripePaymentIntentId: `pi_facts_${kind}`, stripeStatus: 'requires_payment_method', lastError: 'x' },
      later,
    );
    const refused = await uow.transaction((repos) =>
      repos.payments.recordStripeFacts(payment.id, { intentAttempt: 2, intentSentAt: null, lastError: null }, later),
    );
    expect(refused).toEqual({
      ...payment,
      stripePaymentIntentId: `pi_facts_${kind}`,
      stripeStatus: 'requires_payment_method',
      intentAttempt: 2,
      intentSentAt: null,
      lastError: null,
      updatedAt: later,
    });
    expect(created.version).toBe(payment.version); // facts are no transition
    expect(await uow.read.payments.findById(payment.id)).toEqual(refused);
    expect(await uow.transaction((repos) => repos.payments.findById(payment.id))).toEqual(refused);
    const stored = await container.db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(stored.updatedAt.toISOString()).toBe(later.toISOString());
    await expect(uow.read.payments.recordStripeFacts(2_000_000_000, { lastError: 'x' }, later)).rejects.toThrow(
      'Payment 2000000000 does not exist',
    );
  });

  it("records a payment's attempts in order; an outcome changes what it names and keeps the rest", async () => {
    const at = new Date('2031-02-03T04:05:06.789Z');
    const payment = await pendingPayment(`raw-${kind}-attempts`, at);
    const [first, second] = await uow.transaction(async (repos) => [
      await repos.payments.addAttempt({
        paymentId: payment.id,
        stripePaymentMethodId: 'pm_card_visa',
        idempotencyKey: `raw-${kind}-attempt-1`,
        createdAt: at,
      }),
      await repos.payments.addAttempt({
        paymentId: payment.id,
        stripePaymentMethodId: null,
        idempotencyKey: `raw-${kind}-attempt-2`,
        createdAt: at,
      }),
    ]);
    expect(first).toEqual({
      id: expect.any(Number) as number,
      paymentId: payment.id,
      stripePaymentMethodId: 'pm_card_visa',
      status: 'pending',
      errorCode: null,
      declineCode: null,
      message: null,
      idempotencyKey: `raw-${kind}-attempt-1`,
      createdAt: at,
      completedAt: null,
    });
    const done = new Date('2031-02-03T04:05:07.001Z');
    await uow.transaction((repos) =>
      repos.payments.updateAttempt(first.id, {
        status: 'failed',
        errorCode: 'card_declined',
        declineCode: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
        completedAt: done,
      }),
    );
    await uow.read.payments.updateAttempt(first.id, { message: null });
    await uow.read.payments.updateAttempt(second.id, { stripePaymentMethodId: 'pm_card_mastercard' });
    expect(await uow.read.payments.attempts(payment.id)).toEqual([
      { ...first, status: 'failed', errorCode: 'card_declined', declineCode: 'insufficient_funds', completedAt: done },
      { ...second, stripePaymentMethodId: 'pm_card_mastercard' },
    ]);
    expect(await uow.transaction((repos) => repos.payments.attempts(payment.id))).toEqual(
      await uow.read.payments.attempts(payment.id),
    );
  });

  it('claims due outbox rows through the driver under a lease, each once, and reads people without their password', async () => {
    const key = `raw:${kind}:claim`;
    const due = new Date('2000-01-01T00:00:00.000Z');
    await uow.transaction((repos) =>
      repos.outbox.enqueue([{ key, kind: 'email', bookingId: null, payload: { n: 1 }, notBefore: due }]),
    );
    expect(await uow.read.outbox.statusOf(key)).toBe('PENDING');
    const now = new Date();
    const claimed = (await uow.read.outboxWork.claimDue(now, 60_000, 1000)).filter((row) => row.key === key);
    expect(claimed).toEqual([
      expect.objectContaining({ key, kind: 'email', payload: { n: 1 }, nextAttemptAt: due, interrupted: false }),
    ]);
    const stored = await container.db.prisma.outboxMessage.findUniqueOrThrow({ where: { key } });
    expect(stored.lockedUntil?.toISOString()).toBe(new Date(now.getTime() + 60_000).toISOString());
    // Leased: not claimed again until the lease ends; then claimed as interrupted (its delivery died).
    expect((await uow.read.outboxWork.claimDue(now, 60_000, 1000)).map((row) => row.key)).not.toContain(key);
    const after = new Date(now.getTime() + 61_000);
    const again = (await uow.read.outboxWork.claimDue(after, 60_000, 1000)).filter((row) => row.key === key);
    expect(again.map((row) => row.interrupted)).toEqual([true]);
    expect(await uow.read.outbox.statusOf(`${key}:none`)).toBeNull();

    const s = await buildScenario(container, { teachers: { tia: {} }, students: { sol: {} } });
    const student = await uow.read.people.findStudent(s.students.sol.id);
    expect(student).toEqual(await uow.transaction((repos) => repos.people.findStudent(s.students.sol.id)));
    expect(student).not.toHaveProperty('passwordHash');
    expect(student).toMatchObject({ id: s.students.sol.id, stripeCustomerId: null });
    const teacher = await uow.transaction((repos) => repos.people.lockTeacher(s.teachers.tia.id));
    expect(teacher).toEqual(await uow.read.people.findTeacher(s.teachers.tia.id));
    expect(await uow.transaction((repos) => repos.people.lockTeacher(2_000_000_000))).toBeNull();
  });

  it('posts a ledger entry with its lines in one statement', async () => {
    const at = new Date('2030-02-03T04:05:06.789Z');
    const id = await uow.transaction((repos) =>
      repos.ledger.post({ kind: 'payment_succeeded', currency: 'USD', at, teacherId: null }, [
        { account: 'stripe_balance', amountMinor: 5500 },
        { account: 'teacher_payable:7', amountMinor: -5000 },
        { account: 'platform_revenue', amountMinor: -500 },
      ]),
    );
    const entry = await container.db.prisma.ledgerEntry.findUniqueOrThrow({
      where: { id },
      include: { lines: { orderBy: { id: 'asc' } } },
    });
    expect(entry).toMatchObject({ kind: 'payment_succeeded', currency: 'USD', at });
    expect(entry.lines.map((line) => [line.account, line.amountMinor, line.currency, line.at.toISOString()])).toEqual([
      ['stripe_balance', 5500, 'USD', at.toISOString()],
      ['teacher_payable:7', -5000, 'USD', at.toISOString()],
      ['platform_revenue', -500, 'USD', at.toISOString()],
    ]);
  });
});
