import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { permissionsOf, type Permission } from '../domain/permissions';
import { announce, logged, type ServiceDeps } from './context';
import type { Repositories, StaffRecord } from './ports';
import type { StaffService } from './staff';

export const STAFF_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface SignedIn {
  token: string;
  expiresAt: Date;
  staff: { id: number; email: string; name: string; role: StaffRecord['role'] };
  permissions: Permission[];
}

export type StaffActor = Actor & { kind: 'STAFF'; sessionId: string };

/** Tokens are random; only their hash is stored, so the database never holds a usable token. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const describe = (record: StaffRecord) => ({
  id: record.id,
  email: record.email,
  name: record.name,
  role: record.role,
});

/**
 * Staff sessions, kept in the database so every host of a deployment honours them: a bearer token
 * (random, shown once, stored hashed) that lasts 12 hours. A sign-out, or an account that is
 * disabled, ends the session on every host at once.
 */
export function createAuthService(deps: ServiceDeps, staff: StaffService) {
  const { uow, clock } = deps;

  /** Ends sessions and tells every host, whose open streams of those sessions close (R34). */
  async function revoke(which: (repos: Repositories) => Promise<string[]>): Promise<void> {
    const rows = await uow.transaction(async (repos) => {
      const sessionIds = await which(repos);
      return sessionIds.length > 0
        ? repos.eventLog.append([logged({ type: 'sessions.revoked', sessionIds, at: clock.now() })])
        : [];
    });
    announce(deps, rows);
  }
  const one = (id: string, reason: string) => async (repos: Repositories) =>
    (await repos.sessions.revoke(id, reason, clock.now())) ? [id] : [];

  async function session(token: string | null | undefined) {
    if (!token) return null;
    const found = await uow.read.sessions.findByTokenHash(tokenHash(token));
    const now = clock.now();
    if (!found || found.kind !== 'STAFF')
      throw new DomainError('UNAUTHENTICATED', 'Your session is not valid (signed out or expired); sign in again');
    if (found.revokedAt)
      throw new DomainError(
        'UNAUTHENTICATED',
        `You were signed out (${found.revokeReason ?? 'session ended'}); sign in again`,
      );
    if (found.expiresAt <= now) throw new DomainError('UNAUTHENTICATED', 'Your session expired; sign in again');
    const current = await staff.findActive(found.subjectId);
    if (!current) {
      await revoke(one(found.id, 'account disabled'));
      throw new DomainError('UNAUTHENTICATED', 'This staff account is disabled');
    }
    await uow.read.sessions.touch(found.id, now);
    return { session: found, staff: current };
  }

  return {
    async login(input: unknown): Promise<SignedIn> {
      const record = await staff.authenticate(input);
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + STAFF_SESSION_TTL_MS);
      await uow.transaction((repos) =>
        repos.sessions.create({
          id: randomUUID(),
          kind: 'STAFF',
          subjectId: record.id,
          tokenHash: tokenHash(token),
          createdAt: now,
          expiresAt,
        }),
      );
      return { token, expiresAt, staff: describe(record), permissions: permissionsOf(record.role) };
    },

    async logout(token: string): Promise<void> {
      const found = await uow.read.sessions.findByTokenHash(tokenHash(token));
      if (found) await revoke(one(found.id, 'signed out'));
    },

    /** The actor behind a token, or null when there is none; throws when it expired or was revoked. */
    async actorFor(token: string | null | undefined): Promise<StaffActor | null> {
      const found = await session(token);
      return found ? { kind: 'STAFF', id: found.staff.id, role: found.staff.role, sessionId: found.session.id } : null;
    },

    async me(token: string): Promise<SignedIn['staff'] & { permissions: Permission[] }> {
      const found = await session(token);
      if (!found) throw new DomainError('UNAUTHENTICATED', 'Not signed in');
      return { ...describe(found.staff), permissions: permissionsOf(found.staff.role) };
    },

    /** Ends sessions everywhere (used when an account is disabled, or a user signs out everywhere). */
    async revokeAllOf(staffId: number, reason: string): Promise<void> {
      await revoke((repos) => repos.sessions.revokeAllOf('STAFF', staffId, reason, clock.now()));
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
