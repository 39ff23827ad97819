import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Dialog, ErrorState, InlineError, NoteDialog, Spinner } from '../../components/ui';
import { formatDateTime, formatMoney } from '../../format';
import { useSession } from '../../session';
import { useTRPC, useTRPCClient } from '../../trpc';
import {
  LineStatusBadge,
  RUN_ACTION_LOOK,
  RunActionBar,
  RunStatusBadge,
  useFinanceRefresh,
  type PayoutRun,
  type PayoutRunAction,
} from './common';
import { PayoutLink, TeacherLink } from '../people/links';

/** What each confirmed action does, in the dialog that asks for it. */
const EXPLAIN: Partial<Record<PayoutRunAction, string>> = {
  approve:
    'Approve this run as the second person (four eyes). Its sessions are claimed by this run and can no longer be paid by another; the run can no longer change.',
  send: 'Send one Stripe transfer per ready line to the teacher’s connected account. A line Stripe refuses is marked failed with Stripe’s reason and can be retried; the others are unaffected.',
  retry: 'Send every failed line again (as a new transfer, after checking Stripe did not make the old one).',
};

type Transition = PayoutRun['transitions'][number];

/** A run's recorded transition in words: "Approved by Felix Finance (FINANCE)". */
function transitionWords(transition: Transition, people: Map<number, string>): { what: string; who: string } {
  const what =
    transition.action === 'create'
      ? 'Created as a draft'
      : transition.action === 'approve'
        ? 'Approved'
        : transition.action === 'discard'
          ? 'Discarded'
          : transition.action === 'send'
            ? 'Sending started'
            : transition.action === 'retry'
              ? 'Failed lines retried'
              : transition.action === 'finish'
                ? transition.toState === 'SENT'
                  ? 'Every transfer went out'
                  : 'Finished with failed transfers'
                : transition.action.replaceAll('_', ' ');
  const name = transition.actorId !== null ? people.get(transition.actorId) : undefined;
  const who =
    transition.actorKind === 'SYSTEM'
      ? 'by the system'
      : name
        ? `by ${name} (${transition.actorRole})`
        : `by ${transition.actorRole}${transition.actorId !== null ? ` #${transition.actorId}` : ''}`;
  return { what, who };
}

export function PayoutRunPage({ id }: { id: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { can } = useSession();
  const refresh = useFinanceRefresh();
  const detail = useQuery({
    ...trpc.payouts.get.queryOptions({ id }),
    // No event announces another console's action or a transfer's answer: read the run afresh whenever
    // it is shown, and while it is sending look again now and then.
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.status === 'SENDING' ? 3000 : false),
  });
  const [pending, setPending] = useState<PayoutRunAction | null>(null);
  const close = useCallback(() => setPending(null), []);
  // Success closes the dialog; success or not, what the run shows is read again.
  const onDone = () => setPending(null);
  const approve = useMutation(trpc.payouts.approve.mutationOptions({ onSuccess: onDone, onSettled: refresh }));
  const discard = useMutation(trpc.payouts.discard.mutationOptions({ onSuccess: onDone, onSettled: refresh }));
  const send = useMutation(trpc.payouts.send.mutationOptions({ onSuccess: onDone, onSettled: refresh }));
  const retryLine = useMutation(trpc.payouts.retryLine.mutationOptions({ onSettled: refresh }));
  // The run's "retry" is one line retry after another (the server retries lines, not runs).
  const retryAll = useMutation({
    mutationFn: async (lineIds: number[]) => {
      for (const lineId of lineIds) await client.payouts.retryLine.mutate({ lineId });
    },
    onSuccess: onDone,
    onSettled: refresh,
  });

  if (detail.isPending) return <Spinner label={`Loading payout run ${id}…`} />;
  if (detail.isError) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  const run = detail.data;
  const people = new Map<number, string>();
  if (run.createdBy) people.set(run.createdBy.id, run.createdBy.name);
  if (run.approvedBy) people.set(run.approvedBy.id, run.approvedBy.name);
  const failed = run.lines.filter((line) => line.status === 'FAILED').map((line) => line.id);
  const mutations = { approve, send, retry: retryAll } as const;
  const active = pending === 'approve' || pending === 'send' || pending === 'retry' ? mutations[pending] : null;

  const choose = (action: PayoutRunAction) => {
    if (action === 'approve' || action === 'send' || action === 'retry') mutations[action].reset();
    if (action === 'discard') discard.reset();
    setPending(action);
  };
  const confirm = () => {
    if (pending === 'approve') approve.mutate({ id: run.id });
    else if (pending === 'send') send.mutate({ id: run.id });
    else if (pending === 'retry') retryAll.mutate(failed);
  };
  const money = (minor: number) => formatMoney(minor, run.currency);

  return (
    <article className="detail" aria-label={`Payout run ${run.id}`}>
      <div className="page-head">
        <h1>
          Payout run #{run.id} <RunStatusBadge status={run.status} />
        </h1>
        <RunActionBar offers={run.actions} onChoose={choose} />
      </div>
      <p>
        <a href="#/payouts">← All payouts</a>
      </p>
      {run.discardReason ? (
        <p className="notice" data-testid="discard-reason">
          <strong>Discarded:</strong> {run.discardReason}
        </p>
      ) : null}
      <InlineError error={retryLine.error} />
      <div className="cards finance-cards">
        <section className="card" aria-label="Run">
          <h2>Run</h2>
          <dl>
            <dt>Currency</dt>
            <dd>{run.currency}</dd>
            <dt>Cut-off</dt>
            <dd data-testid="run-cutoff">{formatDateTime(run.cutoff)}</dd>
            <dt>Created by</dt>
            <dd data-testid="run-created-by">
              {run.createdBy?.name ?? '—'} · <span className="muted">{formatDateTime(run.createdAt)}</span>
            </dd>
            <dt>Approved by</dt>
            <dd data-testid="run-approved-by">{run.approvedBy?.name ?? 'Not yet approved'}</dd>
          </dl>
        </section>
        <section className="card" aria-label="Totals">
          <h2>Totals</h2>
          <dl data-testid="run-totals">
            <dt>To pay</dt>
            <dd className="num-inline">{money(run.totals.totalMinor)}</dd>
            <dt>Sent</dt>
            <dd className="num-inline">{money(run.totals.sentMinor)}</dd>
            <dt>Held (carried forward)</dt>
            <dd className="num-inline">{money(run.totals.heldMinor)}</dd>
            <dt>Lines</dt>
            <dd>
              {run.totals.lines}: {run.totals.ready} ready, {run.totals.held} held, {run.totals.sending} sending,{' '}
              {run.totals.sent} sent, {run.totals.failed} failed
            </dd>
          </dl>
        </section>
      </div>
      <section className="card" aria-label="Lines">
        <h2>Lines</h2>
        <table className="data" data-testid="run-lines">
          <thead>
            <tr>
              <th>Teacher</th>
              <th className="num">Earned</th>
              <th className="num">Refunds</th>
              <th className="num">Carried</th>
              <th className="num">Net</th>
              <th>State</th>
              <th>Transfer</th>
              <th className="num">Attempt</th>
              <th>Detail</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {run.lines.map((line) => (
              <tr key={line.id} data-testid={`run-line-${line.teacherId}`}>
                <td>
                  <TeacherLink id={line.teacherId} name={line.teacherName} /> ·{' '}
                  <PayoutLink id={line.teacherId} name={line.teacherName} />
                </td>
                <td className="num">{money(line.sessionsMinor)}</td>
                <td className="num">{money(-line.refundsMinor)}</td>
                <td className="num">{money(line.carriedMinor)}</td>
                <td className="num">
                  <strong>{money(line.netMinor)}</strong>
                </td>
                <td data-testid="line-state">
                  <LineStatusBadge status={line.state} />
                </td>
                <td className="code" data-testid="line-transfers">
                  {line.transferIds.length > 0 ? line.transferIds.join(', ') : '—'}
                  {line.sentAt ? <div className="muted">{formatDateTime(line.sentAt)}</div> : null}
                </td>
                <td className="num">{line.attempt}</td>
                <td>
                  {line.heldReason ? <span>{line.heldReason}</span> : null}
                  {line.error ? (
                    <span className="inline-error" data-testid="line-error">
                      {line.error}
                    </span>
                  ) : null}
                </td>
                <td>
                  {line.status === 'FAILED' && can('payouts.manage') ? (
                    <button
                      type="button"
                      className="button"
                      disabled={retryLine.isPending}
                      onClick={() => retryLine.mutate({ lineId: line.id })}
                    >
                      {retryLine.isPending && retryLine.variables.lineId === line.id ? 'Retrying…' : 'Retry'}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-label="History">
        <h2>History</h2>
        <ol className="timeline" data-testid="run-history">
          {run.transitions.map((transition) => {
            const words = transitionWords(transition, people);
            return (
              <li key={transition.id}>
                <time>{formatDateTime(transition.at)}</time>
                <span className="what">
                  <strong>{words.what}</strong>{' '}
                  <span className="muted">
                    ({transition.fromState ?? '—'} → {transition.toState})
                  </span>
                </span>
                <span className="who">{words.who}</span>
                {transition.reason ? <span className="reason">“{transition.reason}”</span> : null}
              </li>
            );
          })}
        </ol>
      </section>
      {active && pending ? (
        <Dialog title={`${RUN_ACTION_LOOK[pending].label} — payout run #${run.id}`} onClose={close}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              confirm();
            }}
          >
            <p>{EXPLAIN[pending]}</p>
            <p>
              {pending === 'retry'
                ? `${failed.length} failed line(s).`
                : `${run.totals.ready} line(s) ready, ${money(run.totals.totalMinor)} in total; ${run.totals.held} held.`}
            </p>
            <InlineError error={active.error} />
            <div className="dialog-actions">
              <button type="button" className="button ghost" onClick={close}>
                Back
              </button>
              <button type="submit" className="button primary" disabled={active.isPending}>
                {active.isPending ? 'Working…' : RUN_ACTION_LOOK[pending].label}
              </button>
            </div>
          </form>
        </Dialog>
      ) : null}
      {pending === 'discard' ? (
        <NoteDialog
          title={`Discard payout run #${run.id}`}
          prompt="The draft is set aside; its sessions stay payable by a later run."
          label="Reason (required)"
          submitLabel="Discard run"
          danger
          error={discard.error}
          onSubmit={(reason) => discard.mutate({ id: run.id, reason })}
          onClose={close}
        />
      ) : null}
    </article>
  );
}
