import { formatMoney } from '../../format';
import type { RouterOutputs } from '../../trpc';
import { StudentLink, TeacherLink } from '../people/links';

/** A refund request with its context: who asked and decided, whose booking, the payment's money (R24, R27). */
export type RefundInContext = RouterOutputs['refunds']['list']['items'][number];

/** The column heads of the money a refund request's payment has: paid, refunded, pending, remaining. */
export function RefundMoneyHeads() {
  return (
    <>
      <th className="num">Paid</th>
      <th className="num">Refunded</th>
      <th className="num" title="Reserved by open requests until Stripe answers">
        Pending
      </th>
      <th className="num">Remaining</th>
    </>
  );
}

/** Paid, already refunded, pending (reserved by open requests) and what remains refundable, exactly. */
export function RefundMoneyCells({ refund }: { refund: RefundInContext }) {
  const money = refund.money;
  const cell = (minor: number | undefined, testId: string) => (
    <td className="num" data-testid={testId}>
      {minor === undefined ? '—' : formatMoney(minor, refund.currency)}
    </td>
  );
  return (
    <>
      {cell(money?.paidMinor, 'refund-paid')}
      {cell(money?.refundedMinor, 'refund-refunded')}
      {cell(money?.pendingMinor, 'refund-pending')}
      {cell(money?.remainingMinor, 'refund-remaining')}
    </>
  );
}

/** The student and teacher of the refunded booking, each linked to their page. */
export function RefundPeople({ refund }: { refund: RefundInContext }) {
  return (
    <>
      {refund.student ? <StudentLink id={refund.student.id} name={refund.student.name} /> : '—'}
      <span className="muted"> with </span>
      {refund.teacher ? <TeacherLink id={refund.teacher.id} name={refund.teacher.name} /> : '—'}
    </>
  );
}

/** Four eyes in words: who asked, who approved (first, second) or rejected, and who still must. */
export function RefundApprovals({ refund }: { refund: RefundInContext }) {
  const done: string[] = [];
  if (refund.firstApprover) done.push(`approved by ${refund.firstApprover.name}`);
  if (refund.secondApprover) done.push(`then by ${refund.secondApprover.name}`);
  if (refund.rejectedBy) done.push(`rejected by ${refund.rejectedBy.name}`);
  return (
    <div data-testid="refund-approvals">
      <div>
        Asked by <strong data-testid="refund-requester">{refund.requestedBy?.name ?? 'the system'}</strong>
        {done.length > 0 ? `; ${done.join(', ')}` : ''}
        {refund.approvals.approvalsNeeded === 2 ? <span className="muted"> (four eyes)</span> : null}
      </div>
      {refund.approvals.awaiting ? (
        <div className="refund-waiting" data-testid="refund-awaiting">
          <span className="refund-status-text">{refund.approvals.awaiting}</span>
        </div>
      ) : null}
    </div>
  );
}
