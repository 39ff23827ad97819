import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog, InlineError, Spinner, StatusBadge } from '../../components/ui';
import { describeError } from '../../errors';
import { formatDateTime, formatMoney, parseMoney } from '../../format';
import { useSession } from '../../session';
import { useTRPC, type RouterOutputs } from '../../trpc';
import { RefundProcessButton, RefundStatusCell } from './RefundStatus';

type Payment = RouterOutputs['payments']['forBooking'][number];

const STRIPE_STATUS_TEXT: Record<string, string> = {
  requires_action: 'Waiting for the student to authenticate (3-D Secure)',
  requires_payment_method: 'Waiting for a card',
  requires_confirmation: 'Ready to confirm',
  processing: 'Processing at the bank',
  succeeded: 'Succeeded',
  canceled: 'Cancelled at Stripe',
};

/** Requests whose amount is spoken for until Stripe answers (R27): they count against what remains. */
const RESERVING = new Set(['REQUESTED', 'AWAITING_SECOND_APPROVAL', 'APPROVED', 'PENDING']);

/** Integer minor units reserved by open refund requests of this payment. */
function reservedMinor(payment: Payment): number {
  return payment.refunds.reduce((sum, refund) => (RESERVING.has(refund.status) ? sum + refund.amountMinor : sum), 0);
}

/** What can still be asked back from this payment: paid − refunded − reserved, in minor units. */
export function refundableMinor(payment: Payment): number {
  return Math.max(0, payment.amountMinor - payment.refundedMinor - reservedMinor(payment));
}

function cardText(attempt: Payment['attempts'][number]): string {
  if (attempt.card) return `${attempt.card.brand} •••• ${attempt.card.last4}`;
  return attempt.stripePaymentMethodId ? 'card' : '—';
}

/**
 * A Stripe id, linked to Stripe's dashboard only when the host uses real Stripe credentials (the
 * local sandbox's ids mean nothing there); plain text otherwise.
 */
function StripeId({ id, kind }: { id: string | null; kind: 'payments' | 'refunds' }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const dashboard = useQuery({
    ...trpc.system.stripeDashboard.queryOptions(),
    enabled: can('payments.read') && id !== null,
    staleTime: Infinity,
  });
  if (id === null) return <>—</>;
  const base = dashboard.data?.url;
  return base ? (
    <a href={`${base}/${kind}/${encodeURIComponent(id)}`} target="_blank" rel="noopener noreferrer">
      {id}
    </a>
  ) : (
    <>{id}</>
  );
}

interface Props {
  bookingId: number;
  studentId: number;
  status: string;
  paymentStatus: string;
}

/**
 * The payment side of a booking: attempts, charges, refunds and what Stripe said of them. What staff
 * can do (take a payment, ask for a refund) is offered in the booking's action bar, as the server says.
 */
export function PaymentPanel({ bookingId, studentId, status, paymentStatus }: Props) {
  const trpc = useTRPC();
  const { can } = useSession();
  const payments = useQuery(trpc.payments.forBooking.queryOptions({ bookingId }));
  const methods = useQuery({ ...trpc.payments.listMethods.queryOptions({ studentId }), enabled: can('payments.read') });

  return (
    <section className="card" aria-label="Payment">
      <div className="card-head">
        <h2>Payment</h2>
      </div>
      {payments.isPending ? (
        <Spinner />
      ) : payments.isError ? (
        <InlineError error={payments.error} />
      ) : payments.data.length === 0 ? (
        <p className="muted">No payment yet.</p>
      ) : (
        payments.data.map((payment) => {
          const reserved = reservedMinor(payment);
          // R18 with R27: a cancelled booking keeps its payment PAID until Stripe refunds it in full.
          const failedFullRefund =
            status === 'CANCELLED' && paymentStatus === 'PAID'
              ? payment.refunds.find(
                  (refund) =>
                    refund.status === 'FAILED' && refund.amountMinor >= payment.amountMinor - payment.refundedMinor,
                )
              : undefined;
          return (
            <div key={payment.id} className="payment" data-testid="payment">
              <p>
                Payment #{payment.id} <StatusBadge value={payment.status} kind="payment" />{' '}
                <span data-testid="payment-amount">{formatMoney(payment.amountMinor, payment.currency)}</span>
                {payment.refundedMinor > 0 ? ` · refunded ${formatMoney(payment.refundedMinor, payment.currency)}` : ''}
                {reserved > 0 ? ` · ${formatMoney(reserved, payment.currency)} reserved by open refund requests` : ''}
              </p>
              {failedFullRefund ? (
                <div className="callout-error" role="alert" data-testid="refund-failed-callout">
                  <strong>The refund failed — retry it or contact the student.</strong>
                  <span>
                    The booking is cancelled but the student has not been refunded:{' '}
                    {failedFullRefund.failureMessage ?? 'Stripe could not complete the refund.'}
                  </span>
                  <div className="actions">
                    <RefundProcessButton refund={failedFullRefund} />
                  </div>
                </div>
              ) : null}
              {payment.stripeStatus ? (
                <p
                  className={payment.stripeStatus === 'requires_action' ? 'notice' : 'muted'}
                  data-testid="stripe-status"
                >
                  Stripe: {STRIPE_STATUS_TEXT[payment.stripeStatus] ?? payment.stripeStatus}
                </p>
              ) : null}
              <p className="muted code">
                intent <StripeId id={payment.stripePaymentIntentId} kind="payments" /> · charge{' '}
                <StripeId id={payment.stripeChargeId} kind="payments" />
              </p>
              {payment.attempts.length > 0 ? (
                <table className="data" aria-label="Payment attempts">
                  <thead>
                    <tr>
                      <th>Attempt</th>
                      <th>Card</th>
                      <th>Result</th>
                      <th>Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    {payment.attempts.map((attempt) => (
                      <tr key={attempt.id}>
                        <td>{formatDateTime(attempt.createdAt)}</td>
                        <td data-testid="attempt-card">{cardText(attempt)}</td>
                        <td>
                          {attempt.status}
                          {attempt.declineCode ? ` (${attempt.declineCode})` : ''}
                        </td>
                        <td>{attempt.message ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
              {payment.refunds.length > 0 ? (
                <table className="data" aria-label="Refunds">
                  <thead>
                    <tr>
                      <th>Refund</th>
                      <th className="num">Amount</th>
                      <th>Status</th>
                      <th>Reason</th>
                      <th>Stripe</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {payment.refunds.map((refund) => (
                      <tr key={refund.id} data-testid={`refund-${refund.id}`}>
                        <td>#{refund.id}</td>
                        <td className="num">{formatMoney(refund.amountMinor, refund.currency)}</td>
                        <td>
                          <RefundStatusCell refund={refund} />
                        </td>
                        <td>{refund.reason}</td>
                        <td className="code">
                          <StripeId id={refund.stripeRefundId} kind="refunds" />
                        </td>
                        <td>
                          <div className="actions">
                            {refund === failedFullRefund ? null : <RefundProcessButton refund={refund} />}
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </div>
          );
        })
      )}
      {methods.data && methods.data.length > 0 ? (
        <p className="muted" data-testid="saved-methods">
          Saved cards:{' '}
          {methods.data
            .map((method) => `${method.brand} •••• ${method.last4} (${method.expMonth}/${method.expYear})`)
            .join(', ')}
        </p>
      ) : null}
    </section>
  );
}

function useRefreshMoney(bookingId: number) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    for (const queryKey of [
      trpc.bookings.get.queryKey({ id: bookingId }),
      trpc.bookings.list.pathKey(),
      trpc.bookings.counts.pathKey(),
      trpc.payments.forBooking.queryKey({ bookingId }),
      trpc.payments.listMethods.pathKey(),
      trpc.payments.list.pathKey(),
      trpc.refunds.list.pathKey(),
    ])
      void queryClient.invalidateQueries({ queryKey });
  };
}

/** The take-payment dialog's choice for "type a payment method id" (no saved card has this id). */
const NEW_CARD = 'new';

/** A saved card as the student would recognise it: brand, last 4, expiry, and whether it is their default. */
function cardLabel(method: { brand: string; last4: string; expMonth: number; expYear: number; isDefault: boolean }) {
  return `${method.brand} •••• ${method.last4} · expires ${String(method.expMonth).padStart(2, '0')}/${method.expYear}${method.isDefault ? ' (default)' : ''}`;
}

interface PaymentOutcome {
  tone: 'success' | 'error' | 'waiting';
  text: string;
}

/** A paid charge reads as success, a decline as an error, anything else as a wait — never one style for all. */
const OUTCOME_CLASS: Record<PaymentOutcome['tone'], string> = {
  success: 'callout-success',
  error: 'callout-error',
  waiting: 'notice',
};

/** What Stripe's answer to a charge means, in words. */
function outcomeOf(
  result: { status: string; stripeStatus: string | null; message: string | null },
  amount: string,
): PaymentOutcome {
  if (result.status === 'PAID' || result.status === 'PARTIALLY_REFUNDED' || result.status === 'REFUNDED')
    return { tone: 'success', text: `Paid: ${amount} was charged.` };
  if (result.status === 'FAILED' || result.status === 'CANCELED')
    return {
      tone: 'error',
      text: `The payment did not go through: ${result.message ?? 'the card was declined'}. Choose another card.`,
    };
  const waiting = result.stripeStatus ? STRIPE_STATUS_TEXT[result.stripeStatus] : undefined;
  return { tone: 'waiting', text: `${waiting ?? 'In progress'}${result.message ? ` — ${result.message}` : ''}.` };
}

/** Charges the booking's quoted total through Stripe (opened from the action bar's "Take payment"). */
export function TakePaymentDialog({
  bookingId,
  studentId,
  studentName,
  amountMinor,
  currency,
  onClose,
}: {
  bookingId: number;
  studentId: number;
  /** Whose card is charged, and how much: said in the dialog before anyone presses "Charge card". */
  studentName: string;
  amountMinor: number;
  currency: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const { can } = useSession();
  const refresh = useRefreshMoney(bookingId);
  const methods = useQuery({ ...trpc.payments.listMethods.queryOptions({ studentId }), enabled: can('payments.read') });
  // The student's saved cards come first, the default chosen; typing a payment method id stays possible.
  const [chosen, setChosen] = useState<string | null>(null);
  const defaultCard = methods.data?.find((method) => method.isDefault) ?? methods.data?.[0];
  const card = chosen ?? defaultCard?.paymentMethodId ?? NEW_CARD;
  const [token, setToken] = useState('pm_card_visa');
  const [outcome, setOutcome] = useState<PaymentOutcome | null>(null);
  const attach = useMutation(trpc.payments.attachMethod.mutationOptions());
  const createIntent = useMutation(trpc.payments.createIntent.mutationOptions());
  const confirm = useMutation(trpc.payments.confirm.mutationOptions({ onSettled: refresh }));
  const paying = attach.isPending || createIntent.isPending || confirm.isPending;
  const payError = attach.error ?? createIntent.error ?? confirm.error;

  const takePayment = async () => {
    setOutcome(null);
    attach.reset();
    createIntent.reset();
    confirm.reset();
    let paymentMethodId = card;
    if (paymentMethodId === NEW_CARD)
      paymentMethodId = (await attach.mutateAsync({ studentId, paymentMethodId: token.trim() })).paymentMethodId;
    const intent = await createIntent.mutateAsync({ bookingId, paymentMethodId });
    const result = await confirm.mutateAsync({ paymentIntentId: intent.paymentIntentId, paymentMethodId });
    const words = outcomeOf(result, formatMoney(amountMinor, currency));
    setOutcome(words);
    // A declined card is not offered again by default: whoever retries picks or types another one.
    if (words.tone === 'error') clearCard();
  };
  const clearCard = () => {
    setChosen(NEW_CARD);
    setToken('');
  };

  return (
    <Dialog title="Take payment" onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void takePayment().catch((error: unknown) => {
            // The error shows below; a declined card is cleared so it is not charged again by mistake.
            if (describeError(error).code === 'PAYMENT_DECLINED') clearCard();
          });
        }}
      >
        <p data-testid="charge-summary">
          Charge <strong>{formatMoney(amountMinor, currency)}</strong> to <strong>{studentName}</strong>’s card for
          booking #{bookingId} (its quoted total), through Stripe.
        </p>
        {methods.isPending && can('payments.read') ? <Spinner label="Loading the student’s saved cards…" /> : null}
        <fieldset className="card-choice" data-testid="card-choice">
          <legend>Card</legend>
          {methods.data?.map((method) => (
            <label key={method.id} className="inline-label">
              <input
                type="radio"
                name="card"
                value={method.paymentMethodId}
                checked={card === method.paymentMethodId}
                onChange={() => setChosen(method.paymentMethodId)}
              />{' '}
              {cardLabel(method)}
            </label>
          ))}
          <label className="inline-label">
            <input
              type="radio"
              name="card"
              value={NEW_CARD}
              checked={card === NEW_CARD}
              onChange={() => setChosen(NEW_CARD)}
            />{' '}
            {methods.data && methods.data.length > 0
              ? 'Another card (type its pm_… id below)'
              : 'A new card (type its pm_… id below)'}
          </label>
        </fieldset>
        {card === NEW_CARD ? (
          <label>
            Payment method id (pm_…; in the sandbox, Stripe’s test cards such as pm_card_visa)
            <input value={token} onChange={(event) => setToken(event.target.value)} aria-label="Payment method id" />
          </label>
        ) : null}
        <InlineError error={payError} />
        {outcome ? (
          <p
            className={OUTCOME_CLASS[outcome.tone]}
            role={outcome.tone === 'error' ? 'alert' : 'status'}
            data-testid="payment-outcome"
          >
            {outcome.text}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="button primary" disabled={paying}>
            {paying ? 'Charging…' : 'Charge card'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Files a refund request for another staff member to approve (opened from the action bar's "Request refund"). */
export function RequestRefundDialog({
  bookingId,
  currency,
  onClose,
}: {
  bookingId: number;
  currency: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshMoney(bookingId);
  const payments = useQuery(trpc.payments.forBooking.queryOptions({ bookingId }));
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const requestRefund = useMutation(
    trpc.refunds.request.mutationOptions({
      onSuccess: () => {
        refresh();
        onClose();
      },
    }),
  );
  // The payment that took the money; the server refuses anything beyond what remains of it.
  const paid = payments.data?.find((payment) => ['PAID', 'PARTIALLY_REFUNDED'].includes(payment.status));
  const minor = amount.trim() ? parseMoney(amount, currency) : null;

  return (
    <Dialog title="Request refund" onClose={onClose}>
      {payments.isPending ? (
        <Spinner />
      ) : !paid ? (
        <>
          <InlineError error={payments.error} />
          <p className="muted">This booking has no payment that took money.</p>
          <div className="dialog-actions">
            <button type="button" className="button ghost" onClick={onClose}>
              Back
            </button>
          </div>
        </>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (minor === null) return;
            requestRefund.mutate({ paymentId: paid.id, amountMinor: minor, reason });
          }}
        >
          <p>
            Up to {formatMoney(refundableMinor(paid), paid.currency)} remains refundable (open requests reserved).
            Another staff member approves it; above the four-eyes threshold, two do.
          </p>
          <label>
            Amount ({currency})
            <input
              value={amount}
              onChange={(event) => setAmount(event.target.value)}
              inputMode="decimal"
              aria-label="Refund amount"
            />
          </label>
          {amount.trim() && minor === null ? <p className="inline-error">Not a valid amount in {currency}.</p> : null}
          <label>
            Reason (required)
            <textarea value={reason} onChange={(event) => setReason(event.target.value)} rows={3} maxLength={500} />
          </label>
          <InlineError error={requestRefund.error} />
          <div className="dialog-actions">
            <button type="button" className="button ghost" onClick={onClose}>
              Back
            </button>
            <button type="submit" className="button primary" disabled={requestRefund.isPending || minor === null}>
              File request
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
