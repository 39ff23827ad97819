import { z } from 'zod';
import { loginInput } from '../../../shared/schemas';
import { publicProcedure, router, staffProcedure } from '../trpc';

export const authRouter = router({
  login: publicProcedure.input(loginInput).mutation(({ ctx, input }) => ctx.services.auth.login(input)),
  me: staffProcedure(null).query(({ ctx }) => ctx.services.auth.me(ctx.token ?? '')),
  logout: staffProcedure(null)
    .input(z.void())
    .mutation(async ({ ctx }) => {
      await ctx.services.auth.logout(ctx.token ?? '');
      return { ok: true };
    }),
});
