import { DomainError } from '../domain/errors';
import { z } from 'zod';
import { createStaffInput, loginInput } from '../../shared/schemas';
import { auditEntry } from './audit';
import type { ServiceDeps } from './context';
import { decoyHash, hashPassword, verifyPassword } from './passwords';
import type { StaffRecord } from './ports';
import { implement, spec } from './use-case';
import { parseInput } from './validation';

export const STAFF_USE_CASES = {
  create: spec('staff.create', 'staff.manage', createStaffInput),
  list: spec('staff.list', 'staff.manage', z.object({}).optional()),
};

export function createStaffService({ uow, clock }: ServiceDeps) {
  return {
    /** First start: create the first ADMIN from configuration when there is no staff yet. */
    async ensureFirstAdmin(
      firstAdmin: { email: string; password: string } | null,
    ): Promise<'created' | 'exists' | 'missing'> {
      if ((await uow.read.staff.count()) > 0) return 'exists';
      if (!firstAdmin) return 'missing';
      const input = parseInput(
        createStaffInput,
        { ...firstAdmin, name: 'Administrator', role: 'ADMIN' },
        'first admin',
      );
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
        await repos.audit.append(
          auditEntry({ kind: 'SYSTEM', process: 'first-start' }, 'staff.create', 'Staff', staff.id, clock.now(), {
            email: staff.email,
            role: staff.role,
          }),
        );
      });
      return 'created';
    },

    create: implement(STAFF_USE_CASES.create, async (actor, data): Promise<StaffRecord> => {
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
        await repos.audit.append(
          auditEntry(actor, 'staff.create', 'Staff', staff.id, clock.now(), { email: staff.email, role: staff.role }),
        );
        return staff;
      });
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

    list: implement(STAFF_USE_CASES.list, (): Promise<StaffRecord[]> => uow.read.staff.list()),
  };
}

export type StaffService = ReturnType<typeof createStaffService>;
