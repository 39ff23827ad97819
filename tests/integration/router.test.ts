import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/main/api/root';
import type { Container } from '../../src/main/container';
import { fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import { roleCan } from '../../src/main/domain/permissions';
import { USE_CASE_CATALOG } from '../../src/main/services/catalog';
import { signedInCaller } from '../support/callers';
import { openTestContainer } from '../support/test-db';

const START = new Date('2026-12-01T09:00:00Z');

type Caller = Awaited<ReturnType<typeof signedInCaller>>['caller'];
/** Calls a procedure of the caller by its path ("bookings.confirm"). */
function call(caller: Caller, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
  return (target as (input: unknown) => Promise<unknown>)(input);
}

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const cause = error.cause as { code?: string } | undefined;
    return cause?.code ?? error.code;
  }
}

/** The staff router through createCaller, as the console reaches it (signed in with auth.login). */
describe('the staff router through createCaller', () => {
  const clock = fixedClock(START);
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  const callers = {} as Record<'ADMIN' | 'FINANCE' | 'SUPPORT', Caller>;

  beforeAll(async () => {
    database = await openTestContainer('pglite', clock);
    container = database.container;
    for (const role of ['ADMIN', 'FINANCE', 'SUPPORT'] as const)
      callers[role] = (await signedInCaller(container, role)).caller;
  });
  afterAll(async () => database.dispose());

  it('every use case is a procedure at its own path', () => {
    const paths = Object.keys(appRouter._def.procedures);
    for (const spec of USE_CASE_CATALOG) expect(paths).toContain(spec.name);
  });

  it.each(['ADMIN', 'FINANCE', 'SUPPORT'] as const)(
    'R33: as %s, every use case is refused exactly when the role lacks its permission (before its input is read)',
    async (role) => {
      for (const spec of USE_CASE_CATALOG) {
        const code = await codeOf(call(callers[role], spec.name, { id: 999_999 }));
        if (spec.permission && !roleCan(role, spec.permission)) expect(code, spec.name).toBe('FORBIDDEN');
        else expect(code, spec.name).not.toBe('FORBIDDEN');
      }
    },
  );

  it('signed out, nothing but auth.login answers', async () => {
    const { anonymousCaller } = await import('../support/callers');
    const anonymous = anonymousCaller(container);
    for (const spec of USE_CASE_CATALOG)
      expect(await codeOf(call(anonymous, spec.name, {})), spec.name).toBe('UNAUTHORIZED');
  });

  it('the seed flow through the procedures; bookings.confirm, bookings.list and bookings.get carry the join URL once paid', async () => {
    const admin = callers.ADMIN;
    const teacher = await admin.people.create({ kind: 'teacher', email: 'ana@router.test', name: 'Ana' });
    const student = await admin.people.create({ kind: 'student', email: 'bob@router.test', name: 'Bob' });
    const gig = await admin.gigs.create({
      teacherId: teacher.id,
      title: 'Spanish',
      language: 'es',
      hourlyRateMinor: 5000,
      currency: 'USD',
    });
    const booking = await admin.bookings.create({
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(START.getTime() + 48 * HOUR_MS),
      minutes: 90,
    });
    expect(booking).toMatchObject({ status: 'PENDING', totalMinor: 7875, meetingJoinUrl: null });
    const confirmed = await admin.bookings.confirm({ id: booking.id });
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', meetingJoinUrl: null });
    const card = await admin.payments.attachMethod({ studentId: student.id, paymentMethodId: 'pm_card_visa' });
    const intent = await admin.payments.createIntent({ bookingId: booking.id, paymentMethodId: card.paymentMethodId });
    expect(await admin.payments.confirm({ paymentIntentId: intent.paymentIntentId })).toMatchObject({ status: 'PAID' });
    await container.outbox.drain();
    const detail = await admin.bookings.get({ id: booking.id });
    expect(detail.meetingJoinUrl).toMatch(/\/j\//);
    const listed = await admin.bookings.list({ studentId: student.id });
    expect(listed.items[0]?.meetingJoinUrl).toBe(detail.meetingJoinUrl);
    expect(detail.actions.map((offer) => offer.action)).toEqual(['complete', 'cancel_paid', 'reschedule']);
    expect(detail.actions.find((offer) => offer.action === 'complete')).toMatchObject({
      open: false,
      reason: expect.stringContaining('cannot be completed before then') as string,
    });
  });

  it('a refused action: its message in words, its code in data.domainCode, an HTTP status that is not 500', async () => {
    const support = callers.SUPPORT;
    try {
      await support.bookings.confirm({ id: 999_999 });
      throw new Error('expected a refusal');
    } catch (error) {
      if (!(error instanceof TRPCError)) throw error;
      expect(getHTTPStatusCodeFromError(error)).toBe(403);
    }
    try {
      await callers.ADMIN.bookings.confirm({ id: 999_999 });
      throw new Error('expected a refusal');
    } catch (error) {
      if (!(error instanceof TRPCError)) throw error;
      expect(error.message).toBe('Booking 999999 does not exist');
      expect(getHTTPStatusCodeFromError(error)).toBe(404);
    }
  });

  it('the "requires action" payments filter applies before the page limit', async () => {
    const admin = callers.ADMIN;
    const teacher = await admin.people.create({ kind: 'teacher', email: 'cai@router.test', name: 'Cai' });
    const student = await admin.people.create({ kind: 'student', email: 'dee@router.test', name: 'Dee' });
    const gig = await admin.gigs.create({
      teacherId: teacher.id,
      title: 'French',
      language: 'fr',
      hourlyRateMinor: 4000,
      currency: 'EUR',
    });
    const pay = async (hours: number, card: string) => {
      const booking = await admin.bookings.create({
        studentId: student.id,
        gigId: gig.id,
        startsAt: new Date(START.getTime() + hours * HOUR_MS),
        minutes: 60,
      });
      await admin.bookings.confirm({ id: booking.id });
      const method = await admin.payments.attachMethod({ studentId: student.id, paymentMethodId: card });
      const intent = await admin.payments.createIntent({
        bookingId: booking.id,
        paymentMethodId: method.paymentMethodId,
      });
      await admin.payments.confirm({ paymentIntentId: intent.paymentIntentId });
      return intent.paymentId;
    };
    const waiting = await pay(60, 'pm_card_authenticationRequired');
    for (const hours of [70, 80, 90]) await pay(hours, 'pm_card_visa');
    const page = await admin.payments.list({ status: 'REQUIRES_ACTION', limit: 1 });
    expect(page.items.map((item) => item.id)).toEqual([waiting]);
  });
});
