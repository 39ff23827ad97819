import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import { PERMISSIONS, type Permission } from '../../domain/permissions';
import { textSchema } from '../../../shared/schemas';
import { publicProcedure, router } from '../trpc';

/** Where a desktop's data lives: its own embedded database, or a team server it is a client of. */
export type DesktopConnection = { kind: 'local' } | { kind: 'remote'; url: string };

/**
 * Only in the desktop shell, and answered by its main process even when every other call goes to a
 * team server: which server this desktop uses now and from its next start, and changing that.
 */
export interface DesktopCapability {
  /** The staff member a token belongs to, asked of whatever serves this desktop; throws a DomainError. */
  staffOf(token: string | null): Promise<{ role: string; permissions: readonly string[] }>;
  connection(): { current: DesktopConnection; next: DesktopConnection };
  /** Checks the address and the server (its /healthz), then stores it for the next start. */
  connect(url: string): Promise<void>;
  /** From the next start, the embedded database again. */
  disconnect(): void;
  /** Restarts the app (app.relaunch, then quit). */
  restart(): void;
}

export const ONLY_IN_THE_DESKTOP_APP =
  'Connecting to a team server is only possible in the LinguaFlex Ops desktop app; this console is served by the team server itself.';

/**
 * The permission check cannot use the services (a desktop connected to a team server has none):
 * the capability asks whoever serves the desktop who the token belongs to.
 */
function desktopProcedure(permission: Permission) {
  return publicProcedure.meta({ permission, public: false }).use(async ({ ctx, next }) => {
    const desktop = ctx.desktop;
    if (!desktop) throw new DomainError('GUARD_FAILED', ONLY_IN_THE_DESKTOP_APP);
    const staff = await desktop.staffOf(ctx.token);
    if (!staff.permissions.includes(permission)) {
      throw new DomainError('FORBIDDEN', `A ${staff.role} user may not ${PERMISSIONS[permission]}`);
    }
    return next({ ctx: { ...ctx, desktop } });
  });
}

const sameConnection = (a: DesktopConnection, b: DesktopConnection): boolean =>
  a.kind === 'local' ? b.kind === 'local' : b.kind === 'remote' && a.url === b.url;

function describe(desktop: DesktopCapability) {
  const { current, next } = desktop.connection();
  return { current, next, restartNeeded: !sameConnection(current, next) };
}

export const desktopRouter = router({
  /** What this run uses and what the next start will use. */
  connection: desktopProcedure('settings.read').query(({ ctx }) => describe(ctx.desktop)),
  connect: desktopProcedure('settings.write')
    .input(z.object({ url: textSchema(500, { words: { required: 'Enter the team server’s address' } }) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.desktop.connect(input.url);
      return describe(ctx.desktop);
    }),
  disconnect: desktopProcedure('settings.write')
    .input(z.void())
    .mutation(({ ctx }) => {
      ctx.desktop.disconnect();
      return describe(ctx.desktop);
    }),
  restart: desktopProcedure('settings.write')
    .input(z.void())
    .mutation(({ ctx }) => {
      ctx.desktop.restart();
      return { restarting: true };
    }),
});
