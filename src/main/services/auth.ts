import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { changePasswordInput, loginInput } from '../../shared/schemas';
import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { permissionsOf, type Permission } from '../domain/permissions';
import { auditEntry } from './audit';
import { announce, logged, type ServiceDeps } from './context';
import { hashPassword, verifyPassword } from './passwords';
import type { EventLogRecord, RateLimitPolicy, RateLimits, Repositories, StaffRecord } from './ports';
import { assertAcceptablePassword, endSessionsOf, type StaffService } from './staff';
import { implement, spec } from './use-case';
import { parseInput } from './validation';

export const STAFF_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** How stale a session's `lastSeenAt` may get before a call records it again. */
const TOUCH_EVERY_MS = 60_000;

export const AUTH_USE_CASES = {
  /** R34: everyone changes their own password, giving the current one; their other sessions end. */
  changePassword: spec('auth.changePassword', null, changePasswordInput),
  /** R34: sign out everywhere — every session of the caller, this one included. */
  // Strict: a call carrying anything else (a mistaken id) is refused rather than signing everyone out.
  logoutEverywhere: spec('auth.logoutEverywhere', null, z.strictObject({}).optional()),
};

/**
 * What a session may still do while its account must change its password (a generated first-admin
 * password, or one an admin reset): only this, enforced by the router for every other procedure.
 */
export const PASSWORD_CHANGE_PATHS: ReadonlySet<string> = new Set([
  'auth.me',
  'auth.logout',
  AUTH_USE_CASES.changePassword.name,
  AUTH_USE_CASES.logoutEverywhere.name,
]);

export interface SignedIn {
  token: string;
  expiresAt: Date;
  staff: { id: number; email: string; name: string; role: StaffRecord['role'] };
  permissions: Permission[];
  /** R34: the console asks for a new password before anything else (the server refuses the rest). */
  mustChangePassword: boolean;
}

export type StaffActor = Actor & { kind: 'STAFF'; sessionId: string; mustChangePassword: boolean };

/** Tokens are random; only their hash is stored, so the database never holds a usable token. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const describe = (record: StaffRecord) => ({
  id: record.id,
  email: record.email,
  name: record.name,
  role: record.role,
});

/** Where a sign-in comes from: the client's address over HTTP; none over IPC (the desktop's own window). */
export interface LoginOrigin {
  address?: string | null | undefined;
}

/**
 * Staff sessions, kept in the database so every host of a deployment honours them: a bearer token
 * (random, shown once, stored hashed) that lasts 12 hours. A sign-out, or an account that is
 * disabled, ends the session on every host at once. Sign-in is throttled per address and per
 * account, each call counted (a batch of calls in one request too), with a block that doubles each
 * time it is hit again within a day.
 */
export function createAuthService(deps: ServiceDeps, staff: StaffService, limits: RateLimits) {
  const { uow, clock } = deps;

  /** Ends sessions and tells every host, whose open streams of those sessions close (R34). */
  async function revoke(which: (repos: Repositories) => Promise<{ rows: EventLogRecord[] }>): Promise<void> {
    const { rows } = await uow.transaction(which);
    announce(deps, rows);
  }
  const one = (id: string, reason: string) => async (repos: Repositories) => ({
    rows: (await repos.sessions.revoke(id, reason, clock.now()))
      ? await repos.eventLog.append([logged({ type: 'sessions.revoked', sessionIds: [id], at: clock.now() })])
      : [],
  });

  /** Refuses with RATE_LIMITED (429 with Retry-After over HTTP) once a policy's allowance for `key` is used up. */
  async function limit(policy: RateLimitPolicy, key: string, what: string): Promise<void> {
    const outcome = await limits.consume(policy, key);
    if (!outcome.allowed)
      throw new DomainError('RATE_LIMITED', `Too many ${what}; try again in ${outcome.retryAfterSeconds} s`, {
        retryAfterSeconds: outcome.retryAfterSeconds,
      });
  }

  /**
   * Checked on every console call, so one read: the session and its account together. Nothing is
   * cached — a sign-out or a disabled account on any host refuses the very next call here.
   */
  async function session(token: string | null | undefined) {
    if (!token) return null;
    const found = await uow.read.sessions.findStaffSession(tokenHash(token));
    const now = clock.now();
    if (!found || found.session.kind !== 'STAFF')
      throw new DomainError('UNAUTHENTICATED', 'Your session is not valid (signed out or expired); sign in again');
    const { session: current, staff: account } = found;
    if (current.revokedAt)
      throw new DomainError(
        'UNAUTHENTICATED',
        `You were signed out (${current.revokeReason ?? 'session ended'}); sign in again`,
      );
    if (current.expiresAt <= now) throw new DomainError('UNAUTHENTICATED', 'Your session expired; sign in again');
    if (!account?.active) {
      await revoke(one(current.id, 'account disabled'));
      throw new DomainError('UNAUTHENTICATED', 'This staff account is disabled');
    }
    // A write at most once a minute per session, not on every call.
    const seenBefore = new Date(now.getTime() - TOUCH_EVERY_MS);
    if (current.lastSeenAt < seenBefore) await uow.read.sessions.touch(current.id, now, seenBefore);
    const { mustChangePassword, ...staffRecord } = account;
    return { session: current, staff: staffRecord, mustChangePassword };
  }

  return {
    async login(input: unknown, origin: LoginOrigin = {}): Promise<SignedIn> {
      const { email } = parseInput(loginInput, input, 'sign-in');
      // Counted before the password is looked at, each call on its own, so neither a batch of calls
      // in one request nor calls in parallel get more guesses than the allowance.
      const address = origin.address ?? null;
      if (address) await limit('staff-login.address', address, 'sign-in attempts from this address');
      await limit('staff-login.account', email, 'sign-in attempts for this account');
      const record = await staff.authenticate(input);
      // A success clears the account's count and does not count against its address.
      await limits.reset('staff-login.account', email);
      if (address) await limits.giveBack('staff-login.address', address);
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + STAFF_SESSION_TTL_MS);
      const mustChangePassword = await uow.transaction(async (repos) => {
        await repos.sessions.create({
          id: randomUUID(),
          kind: 'STAFF',
          subjectId: record.id,
          tokenHash: tokenHash(token),
          createdAt: now,
          expiresAt,
        });
        return repos.staff.mustChangePassword(record.id);
      });
      return {
        token,
        expiresAt,
        staff: describe(record),
        permissions: permissionsOf(record.role),
        mustChangePassword,
      };
    },

    async logout(token: string): Promise<void> {
      const found = await uow.read.sessions.findByTokenHash(tokenHash(token));
      if (found) await revoke(one(found.id, 'signed out'));
    },

    /** The actor behind a token, or null when there is none; throws when it expired or was revoked. */
    async actorFor(token: string | null | undefined): Promise<StaffActor | null> {
      const found = await session(token);
      return found
        ? {
            kind: 'STAFF',
            id: found.staff.id,
            role: found.staff.role,
            sessionId: found.session.id,
            mustChangePassword: found.mustChangePassword,
          }
        : null;
    },

    async me(token: string): Promise<SignedIn['staff'] & { permissions: Permission[]; mustChangePassword: boolean }> {
      const found = await session(token);
      if (!found) throw new DomainError('UNAUTHENTICATED', 'Not signed in');
      return {
        ...describe(found.staff),
        permissions: permissionsOf(found.staff.role),
        mustChangePassword: found.mustChangePassword,
      };
    },

    /** Ends sessions everywhere (used when an account is disabled, or a user signs out everywhere). */
    async revokeAllOf(staffId: number, reason: string): Promise<void> {
      await revoke((repos) => endSessionsOf(repos, staffId, reason, clock.now()));
    },

    changePassword: implement(AUTH_USE_CASES.changePassword, async (actor, input) => {
      if (actor.kind !== 'STAFF') throw new DomainError('FORBIDDEN', 'Only staff change a staff password here');
      const me = await uow.read.staff.findById(actor.id);
      if (!me?.active) throw new DomainError('UNAUTHENTICATED', 'This staff account is disabled');
      // Guessing the current password through this form counts like guessing it at sign-in.
      await limit('staff-login.account', me.email, 'attempts with a wrong current password');
      const stored = await uow.read.staff.findByEmailWithHash(me.email);
      if (!stored || !(await verifyPassword(input.currentPassword, stored.passwordHash)))
        throw new DomainError('VALIDATION', 'The current password is not right', {
          fields: { currentPassword: ['is not right'] },
        });
      await limits.reset('staff-login.account', me.email);
      if (input.newPassword === input.currentPassword)
        throw new DomainError('VALIDATION', 'The new password must differ from the current one', {
          fields: { newPassword: ['must differ from the current one'] },
        });
      assertAcceptablePassword(input.newPassword, me, 'newPassword');
      const passwordHash = await hashPassword(input.newPassword);
      const now = clock.now();
      const except = 'sessionId' in actor && typeof actor.sessionId === 'string' ? actor.sessionId : undefined;
      const { rows, ended } = await uow.transaction(async (repos) => {
        await repos.staff.setPasswordHash(me.id, passwordHash, now);
        await repos.staff.setMustChangePassword(me.id, false, now);
        // The other sign-ins of this account end; this one goes on.
        const result = await endSessionsOf(repos, me.id, 'password changed', now, except);
        await repos.audit.append(
          auditEntry(actor, 'staff.changePassword', 'Staff', me.id, now, {
            otherSessionsEnded: result.sessionIds.length,
          }),
        );
        return { rows: result.rows, ended: result.sessionIds.length };
      });
      announce(deps, rows);
      return { ok: true as const, otherSessionsEnded: ended };
    }),

    logoutEverywhere: implement(AUTH_USE_CASES.logoutEverywhere, async (actor) => {
      if (actor.kind !== 'STAFF') throw new DomainError('FORBIDDEN', 'Only staff sign out of the console');
      const now = clock.now();
      const { rows, ended } = await uow.transaction(async (repos) => {
        const result = await endSessionsOf(repos, actor.id, 'signed out everywhere', now);
        await repos.audit.append(
          auditEntry(actor, 'staff.logoutEverywhere', 'Staff', actor.id, now, {
            sessionsEnded: result.sessionIds.length,
          }),
        );
        return { rows: result.rows, ended: result.sessionIds.length };
      });
      announce(deps, rows);
      return { ok: true as const, sessionsEnded: ended };
    }),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
