import { useMutation, useQueryClient } from '@tanstack/react-query';
import { InlineError } from '../../components/ui';
import { useSession } from '../../session';
import { useTRPC, type RouterOutputs } from '../../trpc';

/** A refund request as the payment panel receives it (the lists add its context). */
export type RefundRequest = RouterOutputs['payments']['forBooking'][number]['refunds'][number];

type Tone = 'waiting' | 'pending' | 'success' | 'error' | 'muted';

interface RefundOutcome {
  text: string;
  tone: Tone;
  /** Stripe's reason for a failure, or the rejecting note. */
  detail: string | null;
  /** What `refunds.process` would do for this request now, if anything. */
  process: 'retry' | 'send_again' | null;
}

/**
 * R27 in words: a refund is done when Stripe says it succeeded; pending keeps its amount reserved;
 * a failure shows Stripe's reason and can be retried as a new refund; an approved request whose
 * answer never came back can be sent again (the same key, so Stripe makes at most one refund).
 */
export function refundOutcome(refund: RefundRequest): RefundOutcome {
  switch (refund.status) {
    case 'REQUESTED':
      return { text: 'Requested — awaiting approval', tone: 'waiting', detail: null, process: null };
    case 'AWAITING_SECOND_APPROVAL':
      return { text: 'Awaiting a second approver', tone: 'waiting', detail: null, process: null };
    case 'APPROVED':
      if (refund.submittedAt !== null && refund.stripeRefundId === null)
        return {
          text: 'Sent — Stripe’s answer not received yet',
          tone: 'pending',
          detail: null,
          process: 'send_again',
        };
      return {
        text: refund.submittedAt === null ? 'Approved — being sent to Stripe' : 'Approved — sent to Stripe',
        tone: 'pending',
        detail: null,
        process: null,
      };
    case 'PENDING':
      return { text: 'Pending at Stripe — amount reserved', tone: 'pending', detail: null, process: null };
    case 'SUCCEEDED':
      return { text: 'Succeeded — refunded by Stripe', tone: 'success', detail: null, process: null };
    case 'FAILED':
      return {
        text: 'Failed',
        tone: 'error',
        detail: refund.failureMessage ?? 'Stripe could not complete the refund; nothing was refunded.',
        process: 'retry',
      };
    case 'REJECTED':
      return { text: 'Rejected', tone: 'muted', detail: refund.rejectNote, process: null };
  }
}

/** The status of one refund request, with Stripe's reason in an error style when it failed. */
export function RefundStatusCell({ refund }: { refund: RefundRequest }) {
  const outcome = refundOutcome(refund);
  return (
    <div className={`refund-status refund-${outcome.tone}`} data-testid="refund-status">
      <span className="refund-status-text">{outcome.text}</span>
      {refund.attempt > 1 ? <span className="muted"> (attempt {refund.attempt})</span> : null}
      {outcome.detail ? (
        <span className={outcome.tone === 'error' ? 'refund-detail inline-error' : 'refund-detail muted'}>
          {outcome.detail}
        </span>
      ) : null}
    </div>
  );
}

/** "Retry as a new refund" (FAILED) or "Send again" (answer lost), for staff who may process refunds. */
export function RefundProcessButton({ refund }: { refund: RefundRequest }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const process = useMutation(
    trpc.refunds.process.mutationOptions({
      onSettled: () => {
        for (const key of [
          trpc.refunds.list.pathKey(),
          trpc.payments.forBooking.pathKey(),
          trpc.payments.list.pathKey(),
          trpc.bookings.get.pathKey(),
          trpc.operations.mismatches.pathKey(),
        ])
          void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
  );
  const outcome = refundOutcome(refund);
  if (!outcome.process || !can('refunds.process')) return null;
  return (
    <>
      <button
        type="button"
        className={outcome.process === 'retry' ? 'button primary' : 'button'}
        disabled={process.isPending}
        onClick={() => process.mutate({ id: refund.id })}
      >
        {process.isPending ? 'Sending…' : outcome.process === 'retry' ? 'Retry as a new refund' : 'Send again'}
      </button>
      <InlineError error={process.error} />
    </>
  );
}
