import { DomainError } from '../domain/errors';
import { z } from 'zod';
import { createStaffInput, idSchema, loginInput, reasonSchema, resetPasswordInput } from '../../shared/schemas';
import { auditEntry } from './audit';
import { announce, logged, type ServiceDeps } from './context';
import { passwordProblem } from './password-policy';
import { decoyHash, hashPassword, verifyPassword } from './passwords';
import type { EventLogRecord, Repositories, StaffRecord } from './ports';
import { implement, spec } from './use-case';
import { parseInput } from './validation';

export const STAFF_USE_CASES = {
  create: spec(
    'staff.create',
    'staff.manage',
    createStaffInput.extend({
      /** The new colleague must choose their own password at the first sign-in (the console asks for it). */
      mustChangePassword: z.boolean({ error: 'mustChangePassword must be true or false' }).optional(),
    }),
  ),
  list: spec('staff.list', 'staff.manage', z.object({}).optional()),
  /** R34: the account's sessions end at once; the last active admin cannot be disabled. */
  disable: spec('staff.disable', 'staff.manage', z.object({ id: idSchema, reason: reasonSchema.optional() })),
  enable: spec('staff.enable', 'staff.manage', z.object({ id: idSchema })),
  /** R34: a new password the account's owner must change at the next sign-in; its sessions end. */
  resetPassword: spec('staff.resetPassword', 'staff.manage', resetPasswordInput),
};

/** A staff account as the Staff page lists it. */
export type StaffAccount = StaffRecord & { mustChangePassword: boolean };

/** R34's policy with the account's own words; a refusal names the field and says why. */
export function assertAcceptablePassword(
  password: string,
  account: { email: string; name: string },
  field = 'password',
): void {
  const problem = passwordProblem(password, [account.email, account.name]);
  if (problem) throw new DomainError('VALIDATION', problem, { fields: { [field]: [problem] } });
}

/**
 * Ends every session of an account inside the caller's transaction and returns the event-log rows
 * that tell every host (their open streams of those sessions close).
 */
export async function endSessionsOf(
  repos: Repositories,
  staffId: number,
  reason: string,
  at: Date,
  except?: string,
): Promise<{ sessionIds: string[]; rows: EventLogRecord[] }> {
  const sessionIds = await repos.sessions.revokeAllOf('STAFF', staffId, reason, at, except);
  const rows =
    sessionIds.length > 0 ? await repos.eventLog.append([logged({ type: 'sessions.revoked', sessionIds, at })]) : [];
  return { sessionIds, rows };
}

export function createStaffService(deps: ServiceDeps) {
  const { uow, clock } = deps;

  async function load(repos: Repositories, id: number): Promise<StaffRecord> {
    const staff = await repos.staff.findById(id);
    if (!staff) throw new DomainError('NOT_FOUND', `Staff account ${id} does not exist`);
    return staff;
  }

  const account = async (repos: Repositories, staff: StaffRecord): Promise<StaffAccount> => ({
    ...staff,
    mustChangePassword: await repos.staff.mustChangePassword(staff.id),
  });

  return {
    /**
     * First start: create the first ADMIN when there is no staff yet. A generated password (printed
     * once and saved in a file) — or a configured one that the policy would refuse — must be changed
     * at the first sign-in (R34).
     */
    async ensureFirstAdmin(
      firstAdmin: { email: string; password: string } | null,
      options: { generated?: boolean } = {},
    ): Promise<'created' | 'exists' | 'missing'> {
      if ((await uow.read.staff.count()) > 0) return 'exists';
      if (!firstAdmin) return 'missing';
      const input = parseInput(
        createStaffInput,
        { ...firstAdmin, name: 'Administrator', role: 'ADMIN' },
        'first admin',
      );
      const mustChange = options.generated === true || passwordProblem(input.password, [input.email]) !== null;
      const passwordHash = await hashPassword(input.password);
      await uow.transaction(async (repos) => {
        if ((await repos.staff.count()) > 0) return;
        const staff = await repos.staff.create({
          email: input.email,
          name: input.name,
          role: 'ADMIN',
          passwordHash,
          createdAt: clock.now(),
        });
        if (mustChange) await repos.staff.setMustChangePassword(staff.id, true, clock.now());
        await repos.audit.append(
          auditEntry({ kind: 'SYSTEM', process: 'first-start' }, 'staff.create', 'Staff', staff.id, clock.now(), {
            email: staff.email,
            role: staff.role,
            mustChangePassword: mustChange,
          }),
        );
      });
      return 'created';
    },

    create: implement(STAFF_USE_CASES.create, async (actor, data): Promise<StaffAccount> => {
      assertAcceptablePassword(data.password, data);
      const passwordHash = await hashPassword(data.password);
      return uow.transaction(async (repos) => {
        if (await repos.staff.findByEmailWithHash(data.email)) {
          throw new DomainError('CONFLICT', `A staff account for ${data.email} already exists`);
        }
        const staff = await repos.staff.create({
          email: data.email,
          name: data.name,
          role: data.role,
          passwordHash,
          createdAt: clock.now(),
        });
        const mustChangePassword = data.mustChangePassword === true;
        if (mustChangePassword) await repos.staff.setMustChangePassword(staff.id, true, clock.now());
        await repos.audit.append(
          auditEntry(actor, 'staff.create', 'Staff', staff.id, clock.now(), {
            email: staff.email,
            role: staff.role,
            mustChangePassword,
          }),
        );
        return { ...staff, mustChangePassword };
      });
    }),

    disable: implement(STAFF_USE_CASES.disable, async (actor, input): Promise<StaffAccount> => {
      const now = clock.now();
      const { updated, revoked } = await uow.transaction(async (repos) => {
        // Locked first, so two admins disabling each other at once cannot both succeed.
        const activeAdmins = await repos.staff.lockActiveAdmins();
        const target = await load(repos, input.id);
        if (!target.active) return { updated: await account(repos, target), revoked: [] };
        if (target.role === 'ADMIN' && activeAdmins.length === 1 && activeAdmins[0] === target.id)
          throw new DomainError(
            'GUARD_FAILED',
            `${target.name} (${target.email}) is the last active admin and cannot be disabled; enable or create another admin first`,
          );
        const disabled = await repos.staff.setActive(target.id, false, now);
        const ended = await endSessionsOf(repos, target.id, 'account disabled', now);
        await repos.audit.append(
          auditEntry(actor, 'staff.disable', 'Staff', target.id, now, {
            email: target.email,
            ...(input.reason ? { reason: input.reason } : {}),
            sessionsEnded: ended.sessionIds.length,
          }),
        );
        return { updated: await account(repos, disabled), revoked: ended.rows };
      });
      announce(deps, revoked);
      return updated;
    }),

    enable: implement(STAFF_USE_CASES.enable, async (actor, input): Promise<StaffAccount> =>
      uow.transaction(async (repos) => {
        const target = await load(repos, input.id);
        if (target.active) return account(repos, target);
        const enabled = await repos.staff.setActive(target.id, true, clock.now());
        await repos.audit.append(
          auditEntry(actor, 'staff.enable', 'Staff', target.id, clock.now(), { email: target.email }),
        );
        return account(repos, enabled);
      }),
    ),

    resetPassword: implement(STAFF_USE_CASES.resetPassword, async (actor, input): Promise<StaffAccount> => {
      const target = await load(uow.read, input.id);
      assertAcceptablePassword(input.password, target);
      const passwordHash = await hashPassword(input.password);
      const now = clock.now();
      const { updated, revoked } = await uow.transaction(async (repos) => {
        const current = await load(repos, input.id);
        await repos.staff.setPasswordHash(current.id, passwordHash, now);
        await repos.staff.setMustChangePassword(current.id, true, now);
        const ended = await endSessionsOf(repos, current.id, 'password reset by an admin', now);
        await repos.audit.append(
          auditEntry(actor, 'staff.resetPassword', 'Staff', current.id, now, {
            email: current.email,
            sessionsEnded: ended.sessionIds.length,
          }),
        );
        return { updated: { ...current, mustChangePassword: true }, revoked: ended.rows };
      });
      announce(deps, revoked);
      return updated;
    }),

    /** Checks a password; the same error for an unknown email and a wrong password. */
    async authenticate(input: unknown): Promise<StaffRecord> {
      const { email, password } = parseInput(loginInput, input, 'sign-in');
      const staff = await uow.read.staff.findByEmailWithHash(email);
      const ok = await verifyPassword(password, staff?.passwordHash ?? (await decoyHash()));
      if (!staff || !ok) throw new DomainError('UNAUTHENTICATED', 'Wrong email or password');
      if (!staff.active) throw new DomainError('UNAUTHENTICATED', 'This staff account is disabled');
      const { passwordHash: _hash, ...record } = staff;
      return record;
    },

    async findActive(id: number): Promise<StaffRecord | null> {
      const staff = await uow.read.staff.findById(id);
      return staff?.active ? staff : null;
    },

    list: implement(STAFF_USE_CASES.list, async (): Promise<StaffAccount[]> => {
      const [staff, mustChange] = await Promise.all([uow.read.staff.list(), uow.read.staff.mustChangePasswordIds()]);
      return staff.map((record) => ({ ...record, mustChangePassword: mustChange.has(record.id) }));
    }),
  };
}

export type StaffService = ReturnType<typeof createStaffService>;
