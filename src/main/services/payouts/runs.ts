import type { Actor } from '../../domain/actors';
import { DomainError } from '../../domain/errors';
import {
  decidePayoutLineTransition,
  decidePayoutRunTransition,
  openPayoutRunActions,
} from '../../domain/payout-machine';
import { payableEndedBy, planLine } from '../../domain/payouts';
import { auditEntry } from '../audit';
import { inTransaction, type ServiceDeps } from '../context';
import { lifecycleRecord } from '../lifecycle/records';
import type { PayoutLineRecord, PayoutRunRecord, PayoutTotals, Repositories } from '../ports';
import { loadSettings, minimumPayoutFor } from '../settings';
import { implement } from '../use-case';
import { payoutLineKey } from './keys';
import { PAYOUT_USE_CASES } from './specs';
import type { TransferSender } from './transfers';
import { applyLineTransition, applyRunTransition, runContext } from './transitions';

const planOf = (totals: PayoutTotals, minimumMinor: number) =>
  planLine(
    {
      teacherId: totals.teacherId,
      connectedAccount: totals.stripeAccountId ? { transfersActive: totals.transfersActive } : null,
      sessions: [{ bookingId: 0, shareMinor: totals.sessionsMinor, refundedMinor: totals.refundsMinor }],
      owed: [{ refundRequestId: 0, amountMinor: totals.owedMinor }],
    },
    minimumMinor,
  );

/**
 * Payout runs (R42–R45): preview, create a DRAFT (one line per teacher netting eligible sessions,
 * their refunds and any debt carried in), approve by another FINANCE/ADMIN, send, retry a failed
 * line, discard a draft. Approval claims each session once, so no session is ever paid twice.
 */
export function createPayoutRuns(deps: ServiceDeps, sender: TransferSender) {
  const { uow, clock } = deps;

  async function loadRun(repos: Repositories, id: number): Promise<PayoutRunRecord> {
    await repos.payouts.lockRun(id);
    const run = await repos.payouts.findRun(id);
    if (!run) throw new DomainError('NOT_FOUND', `Payout run ${id} does not exist`);
    return run;
  }

  async function detail(actor: Actor, run: PayoutRunRecord) {
    const [lines, transitions, ctx] = await Promise.all([
      uow.read.payouts.lines(run.id),
      uow.read.transitions.forAggregate('payout_run', run.id),
      runContext(uow.read, actor, run),
    ]);
    // One query for every teacher of the run (a run has a line per teacher: thousands at a time).
    const teachers = await uow.read.people.teacherNames([...new Set(lines.map((line) => line.teacherId))]);
    const staffName = async (id: number | null) =>
      id === null ? null : { id, name: (await uow.read.staff.findById(id))?.name ?? `Staff ${id}` };
    const count = (status: PayoutLineRecord['status']) => lines.filter((line) => line.status === status).length;
    return {
      ...run,
      createdBy: await staffName(run.createdById),
      approvedBy: await staffName(run.approvedById),
      totals: {
        totalMinor: run.totalMinor,
        heldMinor: run.heldMinor,
        sentMinor: lines.filter((line) => line.status === 'SENT').reduce((sum, line) => sum + line.netMinor, 0),
        lines: lines.length,
        ready: count('READY'),
        held: count('HELD'),
        sending: count('SENDING'),
        sent: count('SENT'),
        failed: count('FAILED'),
      },
      lines: lines.map((line) => ({
        ...line,
        state: line.status,
        teacherName: teachers.get(line.teacherId) ?? `Teacher ${line.teacherId}`,
        transferIds: line.stripeTransferId ? [line.stripeTransferId] : [],
      })),
      transitions,
      actions: openPayoutRunActions(actor, run.status, ctx),
    };
  }

  /**
   * Sends every line that is ready (or was left sending) — in pages, 8 transfers in flight, outcomes
   * recorded in batches (transfers.ts) — then settles the run. The READY lines start together: the
   * table decides `start` once (the same for every line) and one statement moves them, each with its
   * transition record.
   */
  async function sendLines(actor: Actor, runId: number): Promise<void> {
    await inTransaction(deps, async (repos, changes) => {
      const decision = decidePayoutLineTransition('start', actor, 'READY', 0);
      const now = clock.now();
      const started = await repos.payouts.startLines(
        runId,
        decision.to,
        lifecycleRecord(actor, 'start', 'READY', decision.to, now),
      );
      for (const id of started) changes.payoutLine(runId, id, decision.to);
    });
    // The run settles from what was recorded (it stays SENDING while a line awaits its answer), also
    // after a failed send — whose error is the one the caller hears, not a later one of settling.
    const sent = await sender.send(runId).then(
      () => null,
      (error: unknown) => ({ error }),
    );
    await finish(runId).catch((error: unknown) => {
      if (!sent) throw error;
    });
    if (sent) throw sent.error instanceof Error ? sent.error : new Error(String(sent.error));
  }

  /** SENDING → SENT or PARTIALLY_FAILED once no line is still waiting for Stripe's answer. */
  async function finish(runId: number): Promise<void> {
    await inTransaction(deps, async (repos, changes) => {
      const run = await loadRun(repos, runId);
      if (run.status !== 'SENDING') return;
      const lines = await repos.payouts.lines(runId);
      if (lines.some((line) => line.status === 'SENDING' || line.status === 'READY')) return;
      await applyRunTransition(repos, changes, clock.now(), { kind: 'SYSTEM', process: 'payouts' }, run, 'finish');
    });
  }

  /** A failed line back to SENDING with its next attempt's key (the run too, when it was partly failed). */
  async function retryOne(actor: Actor, lineId: number): Promise<PayoutLineRecord> {
    return inTransaction(deps, async (repos, changes) => {
      await repos.payouts.lockLine(lineId);
      const current = await repos.payouts.findLine(lineId);
      if (!current) throw new DomainError('NOT_FOUND', `Payout line ${lineId} does not exist`);
      const run = await loadRun(repos, current.runId);
      const attempt = current.attempt + 1;
      // The run first: its table asks whether a line failed, which is true until the line moves.
      if (run.status === 'PARTIALLY_FAILED') await applyRunTransition(repos, changes, clock.now(), actor, run, 'retry');
      const retried = await applyLineTransition(repos, changes, clock.now(), actor, current, 'retry', {
        attempt,
        idempotencyKey: payoutLineKey(current.id, attempt),
        submittedAt: null,
        error: null,
      });
      await repos.audit.append(
        auditEntry(actor, 'payout.retry_line', 'PayoutLine', current.id, clock.now(), { attempt }),
      );
      return retried;
    });
  }

  return {
    preview: implement(PAYOUT_USE_CASES.preview, async (_actor, input) => {
      const settings = await loadSettings(uow.read);
      const minimum = minimumPayoutFor(settings, input.currency);
      const totals = await uow.read.payouts.totals({
        currency: input.currency,
        endedBy: payableEndedBy(input.cutoff, settings.payoutHoldDays),
      });
      return {
        currency: input.currency,
        cutoff: input.cutoff,
        minimumMinor: minimum,
        lines: totals.map((row) => {
          const plan = planOf(row, minimum);
          return {
            teacherId: row.teacherId,
            teacherName: row.teacherName,
            sessions: row.sessions,
            sessionsMinor: plan.sessionsMinor,
            refundsMinor: plan.refundsMinor,
            carriedMinor: plan.carriedMinor,
            netMinor: plan.netMinor,
            state: plan.state,
            heldReason: plan.heldReason ?? undefined,
          };
        }),
      };
    }),

    createRun: implement(PAYOUT_USE_CASES.createRun, async (actor, input) => {
      const run = await inTransaction(deps, async (repos, changes) => {
        const now = clock.now();
        const decision = decidePayoutRunTransition('create', actor, null, {
          createdById: null,
          actorStaffId: actor.kind === 'STAFF' ? actor.id : null,
          readyLines: 0,
          failedLines: 0,
        });
        if (input.cutoff.getTime() > now.getTime())
          throw new DomainError('VALIDATION', 'The cut-off cannot be in the future', {
            fields: { cutoff: ['must not be in the future'] },
          });
        const settings = await loadSettings(repos);
        const minimum = minimumPayoutFor(settings, input.currency);
        const created = await repos.payouts.createRun(
          {
            currency: input.currency,
            cutoff: input.cutoff,
            endedBy: payableEndedBy(input.cutoff, settings.payoutHoldDays),
            createdById: actor.kind === 'STAFF' ? actor.id : 0,
            at: now,
          },
          lifecycleRecord(actor, 'create', null, decision.to, now),
        );
        const planned = await repos.payouts.planLines(
          created.run.id,
          created.lines.map((row) => {
            const plan = planOf(row, minimum);
            return { ...plan, status: plan.state, lineId: row.lineId };
          }),
        );
        changes.payoutRun(planned.id, planned.status);
        await repos.audit.append(
          auditEntry(actor, 'payout.create', 'PayoutRun', planned.id, now, {
            currency: planned.currency,
            totalMinor: planned.totalMinor,
            lines: created.lines.length,
          }),
        );
        return planned;
      });
      return detail(actor, run);
    }),

    approve: implement(PAYOUT_USE_CASES.approve, async (actor, input) => {
      const run = await inTransaction(deps, async (repos, changes) => {
        const current = await loadRun(repos, input.id);
        const approved = await applyRunTransition(repos, changes, clock.now(), actor, current, 'approve', {
          changes: { approvedById: actor.kind === 'STAFF' ? actor.id : 0 },
        });
        // R42: each session (and each debt) is in one approved run at most.
        if (!(await repos.payouts.claimItems(current.id)))
          throw new DomainError(
            'CONFLICT',
            `Payout run ${current.id} contains sessions already in another approved run; discard it and create a new one`,
          );
        await repos.audit.append(auditEntry(actor, 'payout.approve', 'PayoutRun', current.id, clock.now()));
        return approved;
      });
      return detail(actor, run);
    }),

    discard: implement(PAYOUT_USE_CASES.discard, async (actor, input) => {
      const run = await inTransaction(deps, async (repos, changes) => {
        const current = await loadRun(repos, input.id);
        const discarded = await applyRunTransition(repos, changes, clock.now(), actor, current, 'discard', {
          reason: input.reason,
          changes: { discardReason: input.reason },
        });
        await repos.audit.append(
          auditEntry(actor, 'payout.discard', 'PayoutRun', current.id, clock.now(), { reason: input.reason }),
        );
        return discarded;
      });
      return detail(actor, run);
    }),

    /** Sends an approved run; on a run already sending (a crash, a lost answer) resumes its lines. */
    send: implement(PAYOUT_USE_CASES.send, async (actor, input) => {
      await inTransaction(deps, async (repos, changes) => {
        const current = await loadRun(repos, input.id);
        if (current.status === 'SENDING') return;
        await applyRunTransition(repos, changes, clock.now(), actor, current, 'send');
        await repos.audit.append(auditEntry(actor, 'payout.send', 'PayoutRun', current.id, clock.now()));
      });
      await sendLines(actor, input.id);
      const run = await uow.read.payouts.findRun(input.id);
      if (!run) throw new DomainError('NOT_FOUND', `Payout run ${input.id} does not exist`);
      return detail(actor, run);
    }),

    /** R44: a failed line is retried as a new transfer with a new key (after looking the old one up). */
    retryLine: implement(PAYOUT_USE_CASES.retryLine, async (actor, input) => {
      const line = await retryOne(actor, input.lineId);
      await sender.send(line.runId, [line.id]).catch(() => undefined);
      await finish(line.runId);
      return (await uow.read.payouts.findLine(line.id)) ?? line;
    }),

    /** R44: every failed line of a partly failed run retried at once (each as retryLine does). */
    retry: implement(PAYOUT_USE_CASES.retry, async (actor, input) => {
      const run = await uow.read.payouts.findRun(input.id);
      if (!run) throw new DomainError('NOT_FOUND', `Payout run ${input.id} does not exist`);
      const failed = (await uow.read.payouts.lines(run.id)).filter((line) => line.status === 'FAILED');
      if (run.status !== 'PARTIALLY_FAILED' || failed.length === 0)
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `Payout run ${run.id} is ${run.status}; it has no failed line to retry`,
        );
      const retried: PayoutLineRecord[] = [];
      for (const line of failed) retried.push(await retryOne(actor, line.id));
      await sendLines(actor, run.id);
      return detail(actor, (await uow.read.payouts.findRun(run.id)) ?? run);
    }),

    get: implement(PAYOUT_USE_CASES.get, async (actor, input) => {
      const run = await uow.read.payouts.findRun(input.id);
      if (!run) throw new DomainError('NOT_FOUND', `Payout run ${input.id} does not exist`);
      return detail(actor, run);
    }),

    list: implement(PAYOUT_USE_CASES.list, async (_actor, input) => {
      const limit = input.limit ?? 50;
      const rows = await uow.read.payouts.listRuns({
        statuses: input.status ? [input.status] : undefined,
        beforeId: input.cursor,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const names = new Map<number, string>();
      for (const id of new Set(page.flatMap((run) => [run.createdById, run.approvedById ?? run.createdById])))
        names.set(id, (await uow.read.staff.findById(id))?.name ?? `Staff ${id}`);
      const person = (id: number | null) => (id === null ? null : { id, name: names.get(id) ?? `Staff ${id}` });
      const items = page.map((run) => ({
        ...run,
        createdBy: person(run.createdById),
        approvedBy: person(run.approvedById),
      }));
      return { items, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    }),

    finish,
  };
}
