import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog, InlineError, Spinner, StatusBadge } from '../../components/ui';
import { formatDateTime, formatMoney, parseMoney } from '../../format';
import { useSession } from '../../session';
import { useTRPC } from '../../trpc';

const STRIPE_STATUS_TEXT: Record<string, string> = {
  requires_action: 'Waiting for the student to authenticate (3-D Secure)',
  requires_payment_method: 'Waiting for a card',
  requires_confirmation: 'Ready to confirm',
  processing: 'Processing at the bank',
  succeeded: 'Succeeded',
  canceled: 'Cancelled at Stripe',
};

interface Props {
  bookingId: number;
  studentId: number;
  status: string;
  paymentStatus: string;
  currency: string;
}

/** The payment side of a booking: attempts, charges, refunds and Stripe ids, and what staff can do. */
export function PaymentPanel({ bookingId, studentId, status, paymentStatus, currency }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const payments = useQuery(trpc.payments.forBooking.queryOptions({ bookingId }));
  const methods = useQuery({ ...trpc.payments.listMethods.queryOptions({ studentId }), enabled: can('payments.read') });
  const [dialog, setDialog] = useState<'pay' | 'refund' | null>(null);
  const [card, setCard] = useState('');
  const [token, setToken] = useState('pm_card_visa');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries();
  const attach = useMutation(trpc.payments.attachMethod.mutationOptions());
  const createIntent = useMutation(trpc.payments.createIntent.mutationOptions());
  const confirm = useMutation(trpc.payments.confirm.mutationOptions({ onSettled: refresh }));
  const requestRefund = useMutation(
    trpc.refunds.request.mutationOptions({
      onSuccess: () => {
        setDialog(null);
        refresh();
      },
    }),
  );
  const paying = attach.isPending || createIntent.isPending || confirm.isPending;
  const payError = attach.error ?? createIntent.error ?? confirm.error;
  const paid = payments.data?.find((payment) => ['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(payment.status));

  const takePayment = async () => {
    setOutcome(null);
    let paymentMethodId = card;
    if (!paymentMethodId)
      paymentMethodId = (await attach.mutateAsync({ studentId, paymentMethodId: token.trim() })).paymentMethodId;
    const intent = await createIntent.mutateAsync({ bookingId, paymentMethodId });
    const result = await confirm.mutateAsync({ paymentIntentId: intent.paymentIntentId, paymentMethodId });
    setOutcome(`${result.status}: ${result.message}`);
  };

  return (
    <section className="card" aria-label="Payment">
      <div className="card-head">
        <h2>Payment</h2>
        <div className="actions">
          {can('payments.operate') &&
          status === 'CONFIRMED' &&
          ['UNPAID', 'PENDING', 'FAILED'].includes(paymentStatus) ? (
            <button type="button" className="button primary" onClick={() => setDialog('pay')}>
              Take payment
            </button>
          ) : null}
          {can('refunds.request') && status === 'COMPLETED' && paid ? (
            <button type="button" className="button" onClick={() => setDialog('refund')}>
              Request refund
            </button>
          ) : null}
        </div>
      </div>
      {payments.isPending ? (
        <Spinner />
      ) : !payments.data || payments.data.length === 0 ? (
        <p className="muted">No payment yet.</p>
      ) : (
        payments.data.map((payment) => (
          <div key={payment.id} className="payment" data-testid="payment">
            <p>
              Payment #{payment.id} <StatusBadge value={payment.status} />{' '}
              {formatMoney(payment.amountMinor, payment.currency)}
              {payment.refundedMinor > 0 ? ` · refunded ${formatMoney(payment.refundedMinor, payment.currency)}` : ''}
            </p>
            {payment.stripeStatus ? (
              <p
                className={payment.stripeStatus === 'requires_action' ? 'notice' : 'muted'}
                data-testid="stripe-status"
              >
                Stripe: {STRIPE_STATUS_TEXT[payment.stripeStatus] ?? payment.stripeStatus}
              </p>
            ) : null}
            <p className="muted code">
              intent {payment.stripePaymentIntentId ?? '—'} · charge {payment.stripeChargeId ?? '—'}
            </p>
            {payment.attempts.length > 0 ? (
              <table className="data">
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
                      <td className="code">{attempt.stripePaymentMethodId ?? 'saved'}</td>
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
                  </tr>
                </thead>
                <tbody>
                  {payment.refunds.map((refund) => (
                    <tr key={refund.id}>
                      <td>#{refund.id}</td>
                      <td className="num">{formatMoney(refund.amountMinor, refund.currency)}</td>
                      <td>{refund.status}</td>
                      <td>{refund.reason}</td>
                      <td className="code">{refund.stripeRefundId ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </div>
        ))
      )}
      {methods.data && methods.data.length > 0 ? (
        <p className="muted" data-testid="saved-methods">
          Saved cards:{' '}
          {methods.data
            .map((method) => `${method.brand} •••• ${method.last4} (${method.expMonth}/${method.expYear})`)
            .join(', ')}
        </p>
      ) : null}
      {dialog === 'pay' ? (
        <Dialog title="Take payment" onClose={() => setDialog(null)}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void takePayment().catch(() => undefined);
            }}
          >
            <p>The amount is the booking’s quoted total; the card is charged through Stripe.</p>
            <label>
              Card
              <select value={card} onChange={(event) => setCard(event.target.value)} aria-label="Card">
                <option value="">Add a card by payment method id</option>
                {methods.data?.map((method) => (
                  <option key={method.id} value={method.paymentMethodId}>
                    {method.brand} •••• {method.last4}
                  </option>
                ))}
              </select>
            </label>
            {card === '' ? (
              <label>
                Payment method id (pm_…; in the sandbox, Stripe’s test cards such as pm_card_visa)
                <input
                  value={token}
                  onChange={(event) => setToken(event.target.value)}
                  aria-label="Payment method id"
                />
              </label>
            ) : null}
            <InlineError error={payError} />
            {outcome ? (
              <p className="notice" data-testid="payment-outcome">
                {outcome}
              </p>
            ) : null}
            <div className="dialog-actions">
              <button type="button" className="button ghost" onClick={() => setDialog(null)}>
                Close
              </button>
              <button type="submit" className="button primary" disabled={paying}>
                {paying ? 'Charging…' : 'Charge card'}
              </button>
            </div>
          </form>
        </Dialog>
      ) : null}
      {dialog === 'refund' && paid ? (
        <Dialog title="Request refund" onClose={() => setDialog(null)}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const minor = parseMoney(amount, currency);
              if (minor === null) return;
              requestRefund.mutate({ paymentId: paid.id, amountMinor: minor, reason });
            }}
          >
            <p>
              Up to {formatMoney(paid.amountMinor - paid.refundedMinor, paid.currency)} remains refundable. Another
              staff member approves it; above the four-eyes threshold, two do.
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
            {amount && parseMoney(amount, currency) === null ? (
              <p className="inline-error">Not a valid amount in {currency}.</p>
            ) : null}
            <label>
              Reason (required)
              <textarea value={reason} onChange={(event) => setReason(event.target.value)} rows={3} maxLength={500} />
            </label>
            <InlineError error={requestRefund.error} />
            <div className="dialog-actions">
              <button type="button" className="button ghost" onClick={() => setDialog(null)}>
                Back
              </button>
              <button type="submit" className="button primary" disabled={requestRefund.isPending}>
                File request
              </button>
            </div>
          </form>
        </Dialog>
      ) : null}
    </section>
  );
}
