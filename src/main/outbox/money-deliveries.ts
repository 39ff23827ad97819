import { formatMinor } from '../domain/money';
import type { StaffTemplate } from '../domain/effects';
import type { Clock } from '../domain/clock';
import type { Mailer } from '../services/gateways';
import type { IntentUseCases } from '../services/payments/intents';
import type { OutboxRecord, UnitOfWork } from '../services/ports';
import type { SubmitRefund } from '../services/refunds/submission';
import { messageIdFor } from './booking-deliveries';
import { renderStaffEmail } from './staff-templates';

export interface MoneyDeliveryDeps {
  uow: UnitOfWork;
  clock: Clock;
  mailer: Mailer;
  intents: Pick<IntentUseCases, 'cancelAtStripe'>;
  submitRefund: SubmitRefund;
  reverseTransfer: (refundRequestId: number) => Promise<void>;
}

/** Effects of the payment and refund tables: Stripe calls, and telling staff what needs them. */
export function createMoneyDeliveries(deps: MoneyDeliveryDeps) {
  const { uow, clock } = deps;

  async function cancelIntent(message: OutboxRecord): Promise<void> {
    const paymentId = Number(message.payload['paymentId']);
    // The try's number picks the idempotency key: a retry after an answer came back needs a new one (R28).
    const delivery = message.attempts + 1;
    if (Number.isSafeInteger(paymentId) && paymentId > 0) {
      await deps.intents.cancelAtStripe(paymentId, delivery);
      return;
    }
    // Rows written before payments were cancelled through their own table name only the booking.
    const bookingId = Number(message.payload['bookingId']);
    for (const payment of await uow.read.payments.forBooking(bookingId))
      await deps.intents.cancelAtStripe(payment.id, delivery);
  }

  async function refund(message: OutboxRecord): Promise<void> {
    await deps.submitRefund(Number(message.payload['refundRequestId']));
  }

  async function reverseTransfer(message: OutboxRecord): Promise<void> {
    await deps.reverseTransfer(Number(message.payload['refundRequestId']));
  }

  async function staffEmail(message: OutboxRecord): Promise<void> {
    const request = await uow.read.refunds.find(Number(message.payload['refundRequestId']));
    if (!request) return;
    const template = message.payload['template'] as StaffTemplate;
    const ids = [request.requestedById, request.firstApproverId, request.secondApproverId].filter(
      (id): id is number => id !== null && id > 0,
    );
    const recipients = (await Promise.all([...new Set(ids)].map((id) => uow.read.staff.findById(id)))).filter(
      (staff) => staff?.active,
    );
    // A retry after a partial send skips whoever already has the mail.
    const sentBefore = new Set((await uow.read.deliveries.emails(request.bookingId)).map((email) => email.outboxKey));
    for (const staff of recipients) {
      const key = `${message.key}:${staff?.id ?? 0}`;
      if (!staff || sentBefore.has(key)) continue;
      const rendered = renderStaffEmail(template, {
        refundRequestId: request.id,
        bookingId: request.bookingId,
        amount: formatMinor(request.amountMinor, request.currency),
        failureMessage: request.failureMessage,
        recipientName: staff.name,
      });
      const sent = await deps.mailer.send({ to: staff.email, ...rendered, messageId: messageIdFor(key) });
      await uow.transaction((repos) =>
        repos.deliveries.recordEmail({
          outboxKey: key,
          bookingId: request.bookingId,
          template,
          recipientRole: 'staff',
          recipient: staff.email,
          subject: rendered.subject,
          messageId: sent,
          sentAt: clock.now(),
        }),
      );
    }
  }

  return { cancelIntent, refund, staffEmail, reverseTransfer };
}
