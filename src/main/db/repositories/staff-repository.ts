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
}
