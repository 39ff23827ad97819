import { STAFF_USE_CASES as S } from '../../services/staff';
import type { StaffRecord } from '../../services/ports';
import { router, useCaseProcedure } from '../trpc';

const describe = (staff: StaffRecord) => ({
  id: staff.id,
  email: staff.email,
  name: staff.name,
  role: staff.role,
  active: staff.active,
  createdAt: staff.createdAt,
});

export const staffRouter = router({
  create: useCaseProcedure(S.create).mutation(async ({ ctx, input }) =>
    describe(await ctx.services.staff.create.run(ctx.actor, input)),
  ),
  list: useCaseProcedure(S.list).query(async ({ ctx, input }) =>
    (await ctx.services.staff.list.run(ctx.actor, input)).map(describe),
  ),
});
