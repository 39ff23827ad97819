import { DomainError } from '../../domain/errors';
import type { Actor } from '../../domain/actors';
import type { ServiceDeps } from '../context';
import { assertOwnBooking } from '../lifecycle/booking';
import type { PaymentRecord } from '../ports';
import { implement } from '../use-case';
import { PAYMENT_USE_CASES } from './specs';

export function createPaymentQueries(deps: ServiceDeps) {
  const { uow } = deps;

  /** A payment with its attempts, refund requests and transitions, for the console's panel. */
  async function detail(payment: PaymentRecord) {
    const [attempts, refunds, transitions] = await Promise.all([
      uow.read.payments.attempts(payment.id),
      uow.read.refunds.list({ paymentId: payment.id, limit: 100 }),
      uow.read.transitions.forAggregate('payment', payment.id),
    ]);
    const methods = new Map<string, { brand: string; last4: string }>();
    for (const attempt of attempts) {
      const id = attempt.stripePaymentMethodId;
      if (id && !methods.has(id)) {
        const method = await uow.read.payments.findMethod(id);
        if (method) methods.set(id, { brand: method.brand, last4: method.last4 });
      }
    }
    return {
      ...payment,
      attempts: attempts.map((attempt) => ({
        ...attempt,
        card: attempt.stripePaymentMethodId ? (methods.get(attempt.stripePaymentMethodId) ?? null) : null,
      })),
      refunds,
      transitions,
    };
  }

  async function visible(actor: Actor, payment: PaymentRecord | null, id: number): Promise<PaymentRecord> {
    const booking = payment ? await uow.read.bookings.findById(payment.bookingId) : null;
    if (!payment || !booking) throw new DomainError('NOT_FOUND', `Payment ${id} does not exist`);
    assertOwnBooking(actor, booking);
    return payment;
  }

  const get = implement(PAYMENT_USE_CASES.get, async (actor, input) =>
    detail(await visible(actor, await uow.read.payments.findById(input.id), input.id)),
  );

  const forBooking = implement(PAYMENT_USE_CASES.forBooking, async (actor, input) => {
    const booking = await uow.read.bookings.findById(input.bookingId);
    if (!booking) throw new DomainError('NOT_FOUND', `Booking ${input.bookingId} does not exist`);
    assertOwnBooking(actor, booking);
    return Promise.all((await uow.read.payments.forBooking(input.bookingId)).map(detail));
  });

  const list = implement(PAYMENT_USE_CASES.list, async (_actor, input) => {
    const limit = input.limit ?? 50;
    const rows = await uow.read.payments.list({
      statuses: input.status && input.status !== 'REQUIRES_ACTION' ? [input.status] : undefined,
      requiresAction: input.status === 'REQUIRES_ACTION',
      search: input.search || undefined,
      beforeId: input.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    // Who each payment is for and what of it is reserved, so the list can name and link the people.
    const contexts = await uow.read.payments.contexts(page.map((payment) => payment.id));
    const items = page.map((payment) => {
      const context = contexts.get(payment.id);
      return {
        ...payment,
        student: context ? { id: context.studentId, name: context.studentName } : null,
        teacher: context ? { id: context.teacherId, name: context.teacherName } : null,
        reservedMinor: context?.reservedMinor ?? 0,
      };
    });
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  });

  return { get, forBooking, list };
}
