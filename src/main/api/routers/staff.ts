import { STAFF_USE_CASES as S, type StaffAccount } from '../../services/staff';
import { router, useCaseProcedure } from '../trpc';

const describe = (staff: StaffAccount) => ({
  id: staff.id,
  email: staff.email,
  name: staff.name,
  role: staff.role,
  active: staff.active,
  mustChangePassword: staff.mustChangePassword,
  createdAt: staff.createdAt,
});

/** Staff accounts (R30, R34): admins only. */
export const staffRouter = router({
  create: useCaseProcedure(S.create).mutation(async ({ ctx, input }) =>
    describe(await ctx.services.staff.create.run(ctx.actor, input)),
  ),
  list: useCaseProcedure(S.list).query(async ({ ctx, input }) =>
    (await ctx.services.staff.list.run(ctx.actor, input)).map(describe),
  ),
  disable: useCaseProcedure(S.disable).mutation(async ({ ctx, input }) =>
    describe(await ctx.services.staff.disable.run(ctx.actor, input)),
  ),
  enable: useCaseProcedure(S.enable).mutation(async ({ ctx, input }) =>
    describe(await ctx.services.staff.enable.run(ctx.actor, input)),
  ),
  resetPassword: useCaseProcedure(S.resetPassword).mutation(async ({ ctx, input }) =>
    describe(await ctx.services.staff.resetPassword.run(ctx.actor, input)),
  ),
});
