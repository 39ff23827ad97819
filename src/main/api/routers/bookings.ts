import { roleCan } from '../../domain/permissions';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { BOOKING_USE_CASES as B } from '../../services/bookings/specs';
import { textSchema } from '../../../shared/schemas';
import { bookingDetailDto, bookingDto, bookingRowDto } from '../dto';
import { sessionEventStream } from '../event-stream';
import { router, staffProcedure, useCaseProcedure } from '../trpc';

export const bookingsRouter = router({
  create: useCaseProcedure(B.create).mutation(async ({ ctx, input }) =>
    bookingDto(await ctx.services.bookings.create.run(ctx.actor, input)),
  ),
  confirm: useCaseProcedure(B.confirm).mutation(async ({ ctx, input }) =>
    bookingDto(await ctx.services.bookings.confirm.run(ctx.actor, input)),
  ),
  decline: useCaseProcedure(B.decline).mutation(async ({ ctx, input }) =>
    bookingDto(await ctx.services.bookings.decline.run(ctx.actor, input)),
  ),
  cancel: useCaseProcedure(B.cancel).mutation(async ({ ctx, input }) =>
    bookingDto(await ctx.services.bookings.cancel.run(ctx.actor, input)),
  ),
  complete: useCaseProcedure(B.complete).mutation(async ({ ctx, input }) =>
    bookingDto(await ctx.services.bookings.complete.run(ctx.actor, input)),
  ),
  /** R51: moved at once on both parties' behalf (support, admin). */
  reschedule: useCaseProcedure(B.reschedule).mutation(async ({ ctx, input }) =>
    bookingDto(await ctx.services.bookings.reschedule.run(ctx.actor, input)),
  ),
  rescheduleRequest: useCaseProcedure(B.rescheduleRequest).query(({ ctx, input }) =>
    ctx.services.bookings.rescheduleRequest.run(ctx.actor, input),
  ),
  get: useCaseProcedure(B.get).query(async ({ ctx, input }) =>
    bookingDetailDto(await ctx.services.bookings.get.run(ctx.actor, input)),
  ),
  list: useCaseProcedure(B.list).query(async ({ ctx, input }) => {
    const page = await ctx.services.bookings.list.run(ctx.actor, input);
    return { items: page.items.map(bookingRowDto), nextCursor: page.nextCursor };
  }),
  counts: useCaseProcedure(B.counts).query(({ ctx, input }) => ctx.services.bookings.counts.run(ctx.actor, input)),
  quote: useCaseProcedure(B.quote).query(({ ctx, input }) => ctx.services.bookings.quote.run(ctx.actor, input)),
  /** Every booking and money change as it commits, so open consoles update without reloading. */
  onChange: staffProcedure('bookings.read')
    .input(z.object({ lastEventId: textSchema(40, { required: false, trim: false }).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      // Finance's events only reach consoles that may read payouts (support never hears of them).
      const finance = roleCan(ctx.actor.role, 'payouts.read');
      // Ends when the session does (sign-out, disablement, expiry: R34).
      for await (const stamped of sessionEventStream(ctx, input?.lastEventId ?? null, signal)) {
        const type = stamped.event.type;
        if (type === 'settings.changed') continue;
        if ((type === 'payout.changed' || type === 'teacher.account_changed') && !finance) continue;
        yield tracked(String(stamped.id), stamped.event);
      }
    }),
});
