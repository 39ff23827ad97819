import { PEOPLE_USE_CASES as P } from '../../services/people';
import type { PersonBookingRow } from '../../services/people-pages';
import { bookingRowDto } from '../dto';
import { router, useCaseProcedure } from '../trpc';

/** A person's booking as their page shows it: the queue table's columns and the next step while open. */
const personBookingDto = (row: PersonBookingRow) => ({ ...bookingRowDto(row), nextStep: row.nextStep });

export const peopleRouter = router({
  create: useCaseProcedure(P.create).mutation(({ ctx, input }) => ctx.services.people.create.run(ctx.actor, input)),
  getStudent: useCaseProcedure(P.getStudent).query(({ ctx, input }) =>
    ctx.services.people.getStudent.run(ctx.actor, input),
  ),
  getTeacher: useCaseProcedure(P.getTeacher).query(({ ctx, input }) =>
    ctx.services.people.getTeacher.run(ctx.actor, input),
  ),
  /** The student's page (R32): contact, bookings, saved cards, payments, refund requests. */
  student: useCaseProcedure(P.student).query(async ({ ctx, input }) => {
    const page = await ctx.services.people.student.run(ctx.actor, input);
    return { ...page, bookings: page.bookings.map(personBookingDto) };
  }),
  /** The teacher's page: contact, gigs, bookings; the Stripe account only for roles that read payouts. */
  teacher: useCaseProcedure(P.teacher).query(async ({ ctx, input }) => {
    const page = await ctx.services.people.teacher.run(ctx.actor, input);
    return { ...page, bookings: page.bookings.map(personBookingDto) };
  }),
  /** Further pages of a student's or teacher's bookings. */
  bookings: useCaseProcedure(P.bookings).query(async ({ ctx, input }) => {
    const page = await ctx.services.people.bookings.run(ctx.actor, input);
    return { items: page.items.map(personBookingDto), nextCursor: page.nextCursor };
  }),
  searchStudents: useCaseProcedure(P.searchStudents).query(({ ctx, input }) =>
    ctx.services.people.searchStudents.run(ctx.actor, input),
  ),
  searchTeachers: useCaseProcedure(P.searchTeachers).query(({ ctx, input }) =>
    ctx.services.people.searchTeachers.run(ctx.actor, input),
  ),
});

export const gigsRouter = router({
  create: useCaseProcedure(P.createGig).mutation(({ ctx, input }) =>
    ctx.services.people.createGig.run(ctx.actor, input),
  ),
  list: useCaseProcedure(P.listGigs).query(({ ctx, input }) => ctx.services.people.listGigs.run(ctx.actor, input)),
});
