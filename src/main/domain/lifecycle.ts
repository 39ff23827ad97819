import { transitionRoleOf, type Actor, type TransitionRole } from './actors';
import { DomainError, type DomainErrorCode } from './errors';

/**
 * The one lifecycle kernel every aggregate with a lifecycle uses (bookings, payments, refund
 * requests, payout runs), in the manner of Sharetribe's transaction processes: a machine is data —
 * rows naming an action, who may take it, the states it starts from, where it leads, the guards
 * that must hold and the effects it asks for — and `decide` only interprets it. Nothing else
 * decides a status, and a decision's effects are the only source of outbox rows.
 */
export interface Guard<C> {
  readonly name: string;
  readonly code: DomainErrorCode;
  /** null when the guard holds, otherwise why it does not, in words a support person understands. */
  readonly check: (ctx: C) => string | null;
  /**
   * True when the guard looks at the action's own input (an amount, a reason, a new time), so it
   * cannot be evaluated when the console only asks which actions are open.
   */
  readonly needsInput?: boolean;
}

export interface ConditionalEffect<C, E> {
  readonly effect: E;
  readonly when?: (ctx: C) => boolean;
}

export interface TransitionRow<S, A extends string, C, E> {
  readonly action: A;
  /** The rule the row implements (R11, R27 …), for messages and tests. */
  readonly rule: string;
  readonly roles: readonly TransitionRole[];
  /** The states the action starts from; null when the action creates the aggregate. */
  readonly from: readonly S[] | null;
  readonly to: S | ((ctx: C, from: S | null) => S);
  readonly guards: readonly Guard<C>[];
  readonly effects: readonly ConditionalEffect<C, E>[];
  /** A reason recorded with the transition whatever the actor said (R16's payment_not_received). */
  readonly fixedReason?: string;
}

export interface ActionWords {
  /** "confirm", "mark completed" — what the actor does. */
  readonly verb: string;
  /** "confirmed", "completed" — used in "only PENDING bookings can be confirmed". */
  readonly done: string;
}

export interface Machine<S, A extends string, C, E> {
  /** "booking", "payment", "refund request". */
  readonly entity: string;
  readonly actions: readonly A[];
  readonly words: Readonly<Record<A, ActionWords>>;
  readonly rows: readonly TransitionRow<S, A, C, E>[];
  /** Equality of states (a booking's state is a pair). */
  readonly key: (state: S) => string;
  /** A state in words: "CANCELLED (payment PAID)". */
  readonly describe: (state: S) => string;
  /** A row's starting states in words: "PENDING or CONFIRMED (payment UNPAID/FAILED)". */
  readonly describeFrom: (states: readonly S[]) => string;
}

export interface Decision<S, A extends string, E> {
  readonly action: A;
  readonly rule: string;
  readonly from: S | null;
  readonly to: S;
  readonly effects: readonly E[];
  readonly reason: string | null;
}

export interface DecisionRequest<S, A extends string, C> {
  readonly action: A;
  readonly actor: Actor;
  /** null when the aggregate does not exist yet. */
  readonly state: S | null;
  readonly ctx: C;
  /** "Booking 42" or "This booking", for messages. */
  readonly label: string;
  readonly reason?: string | null | undefined;
}

function rowsFor<S, A extends string, C, E>(machine: Machine<S, A, C, E>, action: A) {
  const rows = machine.rows.filter((row) => row.action === action);
  if (rows.length === 0) throw new DomainError('VALIDATION', `Unknown ${machine.entity} action "${action}"`);
  return rows;
}

function startsFrom<S, A extends string, C, E>(
  machine: Machine<S, A, C, E>,
  row: TransitionRow<S, A, C, E>,
  state: S | null,
): boolean {
  if (row.from === null) return state === null;
  if (state === null) return false;
  const key = machine.key(state);
  return row.from.some((candidate) => machine.key(candidate) === key);
}

/**
 * Decides one transition: the actor's role, then the current state, then the guards, in that
 * order. Returns the next state and the effects to run, or throws a DomainError that names the
 * current state and the refused action.
 */
export function decide<S, A extends string, C, E>(
  machine: Machine<S, A, C, E>,
  request: DecisionRequest<S, A, C>,
): Decision<S, A, E> {
  const { action, actor, state, ctx, label } = request;
  const rows = rowsFor(machine, action);
  const role = transitionRoleOf(actor);
  const words = machine.words[action];
  const mine = rows.filter((row) => row.roles.includes(role));
  if (mine.length === 0) {
    const allowed = [...new Set(rows.flatMap((row) => row.roles))];
    throw new DomainError(
      'FORBIDDEN',
      `A ${role} may not ${words.verb} a ${machine.entity} (${rows[0]?.rule ?? ''}: allowed for ${allowed.join(', ')})`,
      { action, role },
    );
  }
  const row = mine.find((candidate) => startsFrom(machine, candidate, state));
  if (!row) {
    if (state === null) {
      throw new DomainError('VALIDATION', `A ${machine.entity} is needed to ${words.verb}`, { action });
    }
    if (mine.every((candidate) => candidate.from === null)) {
      throw new DomainError('ILLEGAL_TRANSITION', `${label} already exists`, { action });
    }
    const from = mine.flatMap((candidate) => candidate.from ?? []);
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${label} is ${machine.describe(state)}; only ${machine.describeFrom(from)} ${machine.entity}s can be ${words.done}`,
      { action, state: machine.key(state) },
    );
  }
  for (const guard of row.guards) {
    const failure = guard.check(ctx);
    if (failure !== null) throw new DomainError(guard.code, `${label}: ${failure}`, { action, guard: guard.name });
  }
  const to = typeof row.to === 'function' ? (row.to as (ctx: C, from: S | null) => S)(ctx, state) : row.to;
  const effects = row.effects.filter((entry) => entry.when?.(ctx) ?? true).map((entry) => entry.effect);
  const given = request.reason?.trim();
  return { action, rule: row.rule, from: state, to, effects, reason: row.fixedReason ?? (given ? given : null) };
}

/** Whether `action` can start from `state` at all (who acts and the guards aside). */
export function openFrom<S, A extends string, C, E>(machine: Machine<S, A, C, E>, action: A, state: S): boolean {
  return rowsFor(machine, action).some((row) => row.from !== null && startsFrom(machine, row, state));
}

export interface OpenAction<A extends string> {
  readonly action: A;
  readonly verb: string;
  readonly rule: string;
  /** False when a guard that can be checked now does not hold; `reason` then says why. */
  readonly open: boolean;
  readonly reason: string | null;
}

/**
 * What `actor` may do from `state`: every action with a row for the actor's role that starts here,
 * with the guards that do not depend on the action's input already checked, so a console offers
 * exactly what the server will accept and says why an action is closed.
 */
export function openActions<S, A extends string, C, E>(
  machine: Machine<S, A, C, E>,
  actor: Actor,
  state: S,
  ctx: C,
): OpenAction<A>[] {
  const role = transitionRoleOf(actor);
  const seen = new Set<A>();
  const result: OpenAction<A>[] = [];
  for (const row of machine.rows) {
    if (seen.has(row.action) || !row.roles.includes(role) || !startsFrom(machine, row, state)) continue;
    seen.add(row.action);
    const failure =
      row.guards
        .filter((guard) => !guard.needsInput)
        .map((guard) => guard.check(ctx))
        .find((message) => message !== null) ?? null;
    result.push({
      action: row.action,
      verb: machine.words[row.action].verb,
      rule: row.rule,
      open: failure === null,
      reason: failure,
    });
  }
  return result;
}
