import { createStaffInput } from '../../../shared/schemas';
import { router, staffProcedure } from '../trpc';

const describe = (staff: {
  id: number;
  email: string;
  name: string;
  role: string;
  active: boolean;
  createdAt: Date;
}) => ({
  id: staff.id,
  email: staff.email,
  name: staff.name,
  role: staff.role,
  active: staff.active,
  createdAt: staff.createdAt,
});

export const staffRouter = router({
  create: staffProcedure('staff.manage')
    .input(createStaffInput)
    .mutation(async ({ ctx, input }) => describe(await ctx.services.staff.create(ctx.actor, input))),
  list: staffProcedure('staff.manage').query(async ({ ctx }) =>
    (await ctx.services.staff.list(ctx.actor)).map(describe),
  ),
});
