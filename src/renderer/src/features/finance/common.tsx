import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { CURRENCY_CODES, isCurrencyCode, type CurrencyCode } from '../../../../shared/currency';
import { ActionBar } from '../../components/ActionBar';
import { useTRPC, type RouterOutputs } from '../../trpc';

/** What the finance procedures answer, as the renderer receives them. */
export type PayoutRun = RouterOutputs['payouts']['get'];
export type PayoutRunAction = PayoutRun['actions'][number]['action'];
export type PayoutLine = PayoutRun['lines'][number];
export type PayoutStatus = RouterOutputs['teachers']['payoutStatus']['payoutStatus'];

/** A run's status in words (R43, R44). */
export const RUN_STATUS_LABEL: Record<PayoutRun['status'], string> = {
  DRAFT: 'Draft — awaiting approval',
  APPROVED: 'Approved — ready to send',
  SENDING: 'Sending',
  SENT: 'Sent',
  PARTIALLY_FAILED: 'Partly failed',
  DISCARDED: 'Discarded',
};

/** A line's (or a preview line's) status in words. */
export const LINE_STATUS_LABEL: Record<PayoutLine['status'], string> = {
  READY: 'Ready',
  HELD: 'Held',
  SENDING: 'Sending',
  SENT: 'Sent',
  FAILED: 'Failed',
};

export const PAYOUT_STATUS_LABEL: Record<PayoutStatus, string> = {
  not_connected: 'Not connected',
  onboarding: 'Onboarding not finished',
  ready: 'Ready for payouts',
};

export function RunStatusBadge({ status }: { status: PayoutRun['status'] }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-testid="run-status">
      {RUN_STATUS_LABEL[status]}
    </span>
  );
}

export function LineStatusBadge({ status }: { status: PayoutLine['status'] }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{LINE_STATUS_LABEL[status]}</span>;
}

/** How each run action looks in the bar; which ones appear, and whether they are open, is the server's answer. */
export const RUN_ACTION_LOOK: Record<PayoutRunAction, { label: string; tone: 'primary' | 'danger' | 'plain' }> = {
  create: { label: 'Create', tone: 'primary' },
  approve: { label: 'Approve', tone: 'primary' },
  discard: { label: 'Discard', tone: 'danger' },
  send: { label: 'Send transfers', tone: 'primary' },
  finish: { label: 'Finish sending', tone: 'plain' },
  retry: { label: 'Retry failed lines', tone: 'primary' },
};

/** The run's one action bar, as the booking page's (components/ActionBar): the server's offers only. */
export function RunActionBar({
  offers,
  onChoose,
}: {
  offers: PayoutRun['actions'];
  onChoose: (action: PayoutRunAction) => void;
}) {
  return (
    <ActionBar
      offers={offers}
      look={(offer) => RUN_ACTION_LOOK[offer.action]}
      nothingOpen="No action is open to you for this run."
      onChoose={onChoose}
    />
  );
}

/** What a user without `payouts.read` sees on a finance page (the server refuses them anyway: FORBIDDEN). */
export function NotAvailable({ role }: { role: string }) {
  return (
    <div className="state state-error not-available" role="alert" data-testid="not-available">
      <strong>Not available to your role.</strong> Payouts, teacher statements and the ledger are for FINANCE and ADMIN
      staff; you are signed in as {role}.
    </div>
  );
}

export function CurrencySelect({
  value,
  onChange,
  label = 'Currency',
}: {
  value: CurrencyCode;
  onChange: (currency: CurrencyCode) => void;
  label?: string;
}) {
  return (
    <label>
      {label}
      <select
        value={value}
        aria-label={label}
        onChange={(event) => {
          const next = event.target.value;
          if (isCurrencyCode(next)) onChange(next);
        }}
      >
        {CURRENCY_CODES.map((code) => (
          <option key={code}>{code}</option>
        ))}
      </select>
    </label>
  );
}

const pad = (value: number) => String(value).padStart(2, '0');

/** A Date as an `<input type="datetime-local">` value, in the viewer's time ("2026-12-01T09:30"). */
export function toDateTimeLocal(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An `<input type="datetime-local">` value (the viewer's time) as a Date; null when empty or invalid. */
export function fromDateTimeLocal(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A UTC day ("2026-12-01"), as the date inputs of the reports use. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A date input's value as the start of that UTC day; null when empty or invalid. */
export function dayStart(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The teacher of a `teacher_payable:<id>` ledger account, or null for the platform's accounts. */
export function teacherOfAccount(account: string): number | null {
  const match = /^teacher_payable:(\d+)$/.exec(account);
  return match?.[1] ? Number(match[1]) : null;
}

const PLATFORM_ACCOUNTS: Record<string, string> = {
  stripe_balance: 'Platform funds at Stripe',
  platform_revenue: 'Platform revenue (fees)',
  refunds: 'Refunds (platform part)',
};

/** A ledger account in words: "Owed to Ana López (teacher 12)". */
export function accountLabel(account: string, teacherName?: string): string {
  const teacherId = teacherOfAccount(account);
  if (teacherId === null) return PLATFORM_ACCOUNTS[account] ?? account;
  return teacherName ? `Owed to ${teacherName} (teacher ${teacherId})` : `Owed to teacher ${teacherId}`;
}

/** A ledger entry's kind in words. */
export const ENTRY_KIND_LABEL: Record<string, string> = {
  payment_succeeded: 'Session paid',
  refund_succeeded: 'Refund',
  refund_failed: 'Refund failed (reversed)',
  payout_sent: 'Payout sent',
  transfer_reversed: 'Payout reversed (refund after payout)',
};

/**
 * After a finance action: everything a payout, a connection or a transfer can change — runs and
 * their previews, the ledger, statements and teachers' payout status. (The server announces no
 * payout events, so this is how the console stays current after its own actions.)
 */
export function useFinanceRefresh(): () => void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(() => {
    for (const queryKey of [
      trpc.payouts.pathKey(),
      trpc.ledger.pathKey(),
      trpc.statements.pathKey(),
      trpc.teachers.pathKey(),
      trpc.operations.mismatches.pathKey(),
    ])
      void queryClient.invalidateQueries({ queryKey });
  }, [queryClient, trpc]);
}
