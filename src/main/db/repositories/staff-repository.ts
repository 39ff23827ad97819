import type { StaffRecord, StaffStore } from '../../services/ports';
import type { Staff, StaffRole } from '../generated/client.ts';
import { unlessDuplicate } from './errors';
import type { Db } from './prisma-types';

const toStaff = (row: Staff): StaffRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  active: row.active,
  createdAt: row.createdAt,
});

export class PrismaStaffRepository implements StaffStore {
  constructor(private readonly db: Db) {}
  count(): Promise<number> {
    return this.db.staff.count();
  }
  countActive(): Promise<number> {
    return this.db.staff.count({ where: { active: true } });
  }
  async findByEmailWithHash(email: string): Promise<(StaffRecord & { passwordHash: string }) | null> {
    const row = await this.db.staff.findUnique({ where: { email } });
    return row ? { ...toStaff(row), passwordHash: row.passwordHash } : null;
  }
  async findById(id: number): Promise<StaffRecord | null> {
    const row = await this.db.staff.findUnique({ where: { id } });
    return row ? toStaff(row) : null;
  }
  async create(input: {
    email: string;
    name: string;
    role: StaffRole;
    passwordHash: string;
    createdAt: Date;
  }): Promise<StaffRecord> {
    return toStaff(
      await unlessDuplicate(this.db.staff.create({ data: input }), `A staff account for ${input.email} already exists`),
    );
  }
  async list(): Promise<StaffRecord[]> {
    return (await this.db.staff.findMany({ orderBy: { id: 'asc' } })).map(toStaff);
  }
  async names(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.staff.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
    return new Map(rows.map((row) => [row.id, row.name]));
  }
  async setActive(id: number, active: boolean, at: Date): Promise<StaffRecord> {
    return toStaff(await this.db.staff.update({ where: { id }, data: { active, updatedAt: at } }));
  }
  async setPasswordHash(id: number, passwordHash: string, at: Date): Promise<void> {
    await this.db.staff.update({ where: { id }, data: { passwordHash, updatedAt: at } });
  }
  async lockActiveAdmins(): Promise<number[]> {
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      SELECT id FROM "Staff" WHERE role = 'ADMIN' AND active ORDER BY id FOR UPDATE`;
    return rows.map((row) => row.id);
  }
  async mustChangePassword(id: number): Promise<boolean> {
    const row = await this.db.staff.findUnique({ where: { id }, select: { mustChangePassword: true } });
    return row?.mustChangePassword ?? false;
  }
  async setMustChangePassword(id: number, required: boolean, at: Date): Promise<void> {
    await this.db.staff.update({ where: { id }, data: { mustChangePassword: required, updatedAt: at } });
  }
  async mustChangePasswordIds(): Promise<Set<number>> {
    const rows = await this.db.staff.findMany({ where: { mustChangePassword: true }, select: { id: true } });
    return new Set(rows.map((row) => row.id));
  }
}
