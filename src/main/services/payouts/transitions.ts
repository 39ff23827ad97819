import type { Actor } from '../../domain/actors';
import { DomainError } from '../../domain/errors';
import {
  decidePayoutLineTransition,
  decidePayoutRunTransition,
  type PayoutLineAction,
  type PayoutRunAction,
  type PayoutRunContext,
} from '../../domain/payout-machine';
import { lifecycleRecord } from '../lifecycle/records';
import type { Changes } from '../context';
import type { PayoutLineRecord, PayoutRunRecord, Repositories } from '../ports';

/** The facts the run table decides on, from the run's lines. */
export async function runContext(
  repos: Repositories,
  actor: Actor,
  run: PayoutRunRecord,
  reason?: string,
): Promise<PayoutRunContext> {
  const lines = await repos.payouts.lines(run.id);
  return {
    runId: run.id,
    createdById: run.createdById,
    actorStaffId: actor.kind === 'STAFF' ? actor.id : null,
    readyLines: lines.filter((line) => line.status === 'READY').length,
    failedLines: lines.filter((line) => line.status === 'FAILED').length,
    reason,
  };
}

/** One run transition inside the caller's transaction (the run read under its row lock), versioned. */
export async function applyRunTransition(
  repos: Repositories,
  changes: Changes,
  now: Date,
  actor: Actor,
  run: PayoutRunRecord,
  action: PayoutRunAction,
  options: { reason?: string; changes?: { approvedById?: number; discardReason?: string | null } } = {},
): Promise<PayoutRunRecord> {
  const ctx = await runContext(repos, actor, run, options.reason);
  const decision = decidePayoutRunTransition(action, actor, run.status, ctx);
  const written = await repos.payouts.applyRunTransition(
    run.id,
    run.version,
    decision.to,
    { ...options.changes, updatedAt: now },
    lifecycleRecord(actor, action, run.status, decision.to, now, { reason: decision.reason }),
  );
  if (!written)
    throw new DomainError('CONFLICT', `Payout run ${run.id} was changed by someone else while you acted; refresh it`);
  changes.payoutRun(written.id, written.status);
  return written;
}

/** One line transition inside the caller's transaction (the line read under its row lock), versioned. */
export async function applyLineTransition(
  repos: Repositories,
  changes: Changes,
  now: Date,
  actor: Actor,
  line: PayoutLineRecord,
  action: PayoutLineAction,
  patch: Parameters<Repositories['payouts']['applyLineTransition']>[3] extends infer C
    ? Omit<C & object, 'updatedAt'>
    : never,
  data?: Record<string, unknown>,
): Promise<PayoutLineRecord> {
  const decision = decidePayoutLineTransition(action, actor, line.status, line.id);
  const written = await repos.payouts.applyLineTransition(
    line.id,
    line.version,
    decision.to,
    { ...patch, updatedAt: now },
    lifecycleRecord(actor, action, line.status, decision.to, now, { ...(data ? { data } : {}) }),
  );
  if (!written)
    throw new DomainError('CONFLICT', `Payout line ${line.id} was changed by someone else while you acted; refresh it`);
  changes.payoutLine(written.runId, written.id, written.status);
  return written;
}
