import { z } from 'zod';
import { loginInput } from '../../../shared/schemas';
import { AUTH_USE_CASES } from '../../services/auth';
import { publicProcedure, router, staffProcedure, useCaseProcedure } from '../trpc';

export const authRouter = router({
  // Each call is counted against its address (HTTP) and its account, batched or not.
  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    const signedIn = await ctx.services.auth.login(input, { address: ctx.address });
    if (!ctx.cookieSession) return signedIn;
    // The browser console: the token goes into an HttpOnly cookie, never to the page's scripts.
    ctx.cookieSession.hold(signedIn.token, signedIn.expiresAt);
    return { ...signedIn, token: '' };
  }),
  me: staffProcedure(null).query(({ ctx }) => ctx.services.auth.me(ctx.token ?? '')),
  logout: staffProcedure(null)
    .input(z.void())
    .mutation(async ({ ctx }) => {
      ctx.cookieSession?.forget();
      await ctx.services.auth.logout(ctx.token ?? '');
      return { ok: true };
    }),
  /** R34: the current password is asked; the caller's other sessions end. */
  changePassword: useCaseProcedure(AUTH_USE_CASES.changePassword).mutation(({ ctx, input }) =>
    ctx.services.auth.changePassword.run(ctx.actor, input),
  ),
  /** R34: every session of the caller ends, this one included. */
  logoutEverywhere: useCaseProcedure(AUTH_USE_CASES.logoutEverywhere).mutation(async ({ ctx, input }) => {
    const done = await ctx.services.auth.logoutEverywhere.run(ctx.actor, input);
    ctx.cookieSession?.forget();
    return done;
  }),
});
