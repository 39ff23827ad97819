import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  bookingActionInput,
  bookingReasonActionInput,
  createBookingInput,
  idSchema,
  listBookingsInput,
} from '../../../shared/schemas';
import { bookingDetailDto, bookingDto, bookingRowDto } from '../dto';
import { router, staffProcedure } from '../trpc';
import { eventStream } from '../event-stream';

export const bookingsRouter = router({
  create: staffProcedure('bookings.create')
    .input(createBookingInput)
    .mutation(async ({ ctx, input }) => bookingDto(await ctx.services.bookings.create(ctx.actor, input))),
  confirm: staffProcedure('bookings.confirm')
    .input(bookingActionInput)
    .mutation(async ({ ctx, input }) => bookingDto(await ctx.services.bookings.confirm(ctx.actor, input))),
  decline: staffProcedure('bookings.decline')
    .input(bookingReasonActionInput)
    .mutation(async ({ ctx, input }) => bookingDto(await ctx.services.bookings.decline(ctx.actor, input))),
  cancel: staffProcedure('bookings.cancelUnpaid')
    .input(bookingReasonActionInput)
    .mutation(async ({ ctx, input }) => bookingDto(await ctx.services.bookings.cancel(ctx.actor, input))),
  complete: staffProcedure('bookings.complete')
    .input(bookingActionInput)
    .mutation(async ({ ctx, input }) => bookingDto(await ctx.services.bookings.complete(ctx.actor, input))),
  get: staffProcedure('bookings.read')
    .input(z.object({ id: idSchema }))
    .query(async ({ ctx, input }) => {
      const detail = await ctx.services.bookings.get(ctx.actor, input);
      const guidance = await ctx.services.bookings.guidance(ctx.actor, detail.booking);
      return { ...bookingDetailDto(detail), ...guidance };
    }),
  list: staffProcedure('bookings.read')
    .input(listBookingsInput.default({}))
    .query(async ({ ctx, input }) => {
      const page = await ctx.services.bookings.list(ctx.actor, input);
      return { items: page.items.map(bookingRowDto), nextCursor: page.nextCursor };
    }),
  counts: staffProcedure('bookings.read').query(({ ctx }) => ctx.services.bookings.queueCounts(ctx.actor)),
  quote: staffProcedure('bookings.read')
    .input(z.object({ gigId: idSchema, minutes: z.number().int() }))
    .query(({ ctx, input }) => ctx.services.bookings.quote(ctx.actor, input)),
  /** Every booking change as it commits, so open consoles update without reloading. */
  onChange: staffProcedure('bookings.read')
    .input(z.object({ lastEventId: z.string().nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const stamped of eventStream(ctx.events, input?.lastEventId ?? null, signal)) {
        if (
          stamped.event.type === 'booking.changed' ||
          stamped.event.type === 'booking.delivered' ||
          stamped.event.type === 'resync'
        ) {
          yield tracked(String(stamped.id), stamped.event);
        }
      }
    }),
});
