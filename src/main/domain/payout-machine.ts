import type { Actor } from './actors';
import {
  decide,
  openActions,
  openFrom,
  type Decision,
  type Guard,
  type Machine,
  type OpenAction,
  type TransitionRow,
} from './lifecycle';

/**
 * Payout runs (R43, R44) and their lines as rows of the lifecycle kernel. A run is created as a
 * DRAFT by FINANCE or ADMIN, approved by another FINANCE or ADMIN (four eyes), then sent; a draft
 * can be discarded; an approved run can no longer change. Each line is one teacher's transfer.
 */
export const PAYOUT_RUN_STATUSES = ['DRAFT', 'APPROVED', 'SENDING', 'SENT', 'PARTIALLY_FAILED', 'DISCARDED'] as const;
export type PayoutRunStatus = (typeof PAYOUT_RUN_STATUSES)[number];

export const PAYOUT_RUN_ACTIONS = ['create', 'approve', 'discard', 'send', 'finish', 'retry'] as const;
export type PayoutRunAction = (typeof PAYOUT_RUN_ACTIONS)[number];

export interface PayoutRunContext {
  readonly runId?: number | undefined;
  readonly createdById: number | null;
  readonly actorStaffId: number | null;
  readonly readyLines: number;
  readonly failedLines: number;
  readonly reason?: string | null | undefined;
}

export type PayoutRunRow = TransitionRow<PayoutRunStatus, PayoutRunAction, PayoutRunContext, never>;
export type PayoutRunDecision = Decision<PayoutRunStatus, PayoutRunAction, never>;

const notTheCreator: Guard<PayoutRunContext> = {
  name: 'approved by someone other than its creator',
  code: 'FORBIDDEN',
  check: (ctx) =>
    ctx.actorStaffId !== null && ctx.actorStaffId === ctx.createdById
      ? 'You created this run; another FINANCE or ADMIN must approve it (four eyes)'
      : null,
};

const somethingToSend: Guard<PayoutRunContext> = {
  name: 'at least one line ready',
  code: 'GUARD_FAILED',
  check: (ctx) => (ctx.readyLines > 0 ? null : 'Every line is held; there is nothing to send'),
};

const reasonRequired: Guard<PayoutRunContext> = {
  name: 'reason required',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) => (ctx.reason && ctx.reason.trim().length > 0 ? null : 'A reason is required'),
};

const somethingFailed: Guard<PayoutRunContext> = {
  name: 'a failed line to retry',
  code: 'GUARD_FAILED',
  check: (ctx) => (ctx.failedLines > 0 ? null : 'No line failed; nothing to retry'),
};

export const PAYOUT_RUN_TRANSITIONS: readonly PayoutRunRow[] = [
  { action: 'create', rule: 'R43', roles: ['finance', 'admin'], from: null, to: 'DRAFT', guards: [], effects: [] },
  {
    action: 'approve',
    rule: 'R43',
    roles: ['finance', 'admin'],
    from: ['DRAFT'],
    to: 'APPROVED',
    guards: [notTheCreator, somethingToSend],
    effects: [],
  },
  {
    action: 'discard',
    rule: 'R43',
    roles: ['finance', 'admin'],
    from: ['DRAFT'],
    to: 'DISCARDED',
    guards: [reasonRequired],
    effects: [],
  },
  {
    action: 'send',
    rule: 'R44',
    roles: ['finance', 'admin'],
    from: ['APPROVED'],
    to: 'SENDING',
    guards: [],
    effects: [],
  },
  {
    action: 'finish',
    rule: 'R44',
    roles: ['system'],
    from: ['SENDING'],
    to: (ctx) => (ctx.failedLines > 0 ? 'PARTIALLY_FAILED' : 'SENT'),
    guards: [],
    effects: [],
  },
  {
    action: 'retry',
    rule: 'R44',
    roles: ['finance', 'admin'],
    from: ['PARTIALLY_FAILED'],
    to: 'SENDING',
    guards: [somethingFailed],
    effects: [],
  },
];

const RUN_WORDS: Record<PayoutRunAction, { verb: string; done: string }> = {
  create: { verb: 'create', done: 'created' },
  approve: { verb: 'approve', done: 'approved' },
  discard: { verb: 'discard', done: 'discarded' },
  send: { verb: 'send', done: 'sent' },
  finish: { verb: 'finish sending', done: 'finished' },
  retry: { verb: 'retry the failed lines of', done: 'retried' },
};

export const PAYOUT_RUN_MACHINE: Machine<PayoutRunStatus, PayoutRunAction, PayoutRunContext, never> = {
  entity: 'payout run',
  actions: PAYOUT_RUN_ACTIONS,
  words: RUN_WORDS,
  rows: PAYOUT_RUN_TRANSITIONS,
  key: (status) => status,
  describe: (status) => status,
  describeFrom: (statuses) => [...new Set(statuses)].join(' or '),
};

export function decidePayoutRunTransition(
  action: PayoutRunAction,
  actor: Actor,
  status: PayoutRunStatus | null,
  ctx: PayoutRunContext,
): PayoutRunDecision {
  const label = ctx.runId === undefined ? 'This payout run' : `Payout run ${ctx.runId}`;
  return decide(PAYOUT_RUN_MACHINE, { action, actor, state: status, ctx, label, reason: ctx.reason });
}

export function openPayoutRunActions(
  actor: Actor,
  status: PayoutRunStatus,
  ctx: PayoutRunContext,
): OpenAction<PayoutRunAction>[] {
  return openActions(PAYOUT_RUN_MACHINE, actor, status, ctx);
}

// ---- lines --------------------------------------------------------------------------------

export const PAYOUT_LINE_STATUSES = ['READY', 'HELD', 'SENDING', 'SENT', 'FAILED'] as const;
export type PayoutLineStatus = (typeof PAYOUT_LINE_STATUSES)[number];

export const PAYOUT_LINE_ACTIONS = ['start', 'succeed', 'fail', 'retry'] as const;
export type PayoutLineAction = (typeof PAYOUT_LINE_ACTIONS)[number];

export type PayoutLineRow = TransitionRow<PayoutLineStatus, PayoutLineAction, Record<string, never>, never>;

/** A line's transfer: started when its run is sent, then Stripe's answer; a failed one can be retried. */
export const PAYOUT_LINE_TRANSITIONS: readonly PayoutLineRow[] = [
  {
    action: 'start',
    rule: 'R44',
    roles: ['finance', 'admin', 'system'],
    from: ['READY'],
    to: 'SENDING',
    guards: [],
    effects: [],
  },
  { action: 'succeed', rule: 'R44', roles: ['system'], from: ['SENDING'], to: 'SENT', guards: [], effects: [] },
  { action: 'fail', rule: 'R44', roles: ['system'], from: ['SENDING'], to: 'FAILED', guards: [], effects: [] },
  {
    action: 'retry',
    rule: 'R44',
    roles: ['finance', 'admin'],
    from: ['FAILED'],
    to: 'SENDING',
    guards: [],
    effects: [],
  },
];

export const PAYOUT_LINE_MACHINE: Machine<PayoutLineStatus, PayoutLineAction, Record<string, never>, never> = {
  entity: 'payout line',
  actions: PAYOUT_LINE_ACTIONS,
  words: {
    start: { verb: 'start the transfer of', done: 'started' },
    succeed: { verb: 'record the transfer of', done: 'sent' },
    fail: { verb: 'record the failure of', done: 'failed' },
    retry: { verb: 'retry', done: 'retried' },
  },
  rows: PAYOUT_LINE_TRANSITIONS,
  key: (status) => status,
  describe: (status) => status,
  describeFrom: (statuses) => [...new Set(statuses)].join(' or '),
};

export function decidePayoutLineTransition(
  action: PayoutLineAction,
  actor: Actor,
  status: PayoutLineStatus,
  lineId: number,
): Decision<PayoutLineStatus, PayoutLineAction, never> {
  return decide(PAYOUT_LINE_MACHINE, { action, actor, state: status, ctx: {}, label: `Payout line ${lineId}` });
}

export function payoutLineActionOpenFrom(action: PayoutLineAction, status: PayoutLineStatus): boolean {
  return openFrom(PAYOUT_LINE_MACHINE, action, status);
}
