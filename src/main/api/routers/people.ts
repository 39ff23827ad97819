import { z } from 'zod';
import { createGigInput, createPersonInput, idSchema } from '../../../shared/schemas';
import { router, staffProcedure } from '../trpc';

const search = z.object({ text: z.string().max(200).default('') }).default({ text: '' });

export const peopleRouter = router({
  create: staffProcedure('people.write')
    .input(createPersonInput)
    .mutation(({ ctx, input }) => ctx.services.people.create(ctx.actor, input)),
  getStudent: staffProcedure('people.read')
    .input(z.object({ id: idSchema }))
    .query(({ ctx, input }) => ctx.services.people.getStudent(ctx.actor, input.id)),
  getTeacher: staffProcedure('people.read')
    .input(z.object({ id: idSchema }))
    .query(({ ctx, input }) => ctx.services.people.getTeacher(ctx.actor, input.id)),
  searchStudents: staffProcedure('people.read')
    .input(search)
    .query(({ ctx, input }) => ctx.services.people.searchStudents(ctx.actor, input.text)),
  searchTeachers: staffProcedure('people.read')
    .input(search)
    .query(({ ctx, input }) => ctx.services.people.searchTeachers(ctx.actor, input.text)),
});

export const gigsRouter = router({
  create: staffProcedure('people.write')
    .input(createGigInput)
    .mutation(({ ctx, input }) => ctx.services.people.createGig(ctx.actor, input)),
  list: staffProcedure('people.read')
    .input(z.object({ teacherId: idSchema.optional() }).default({}))
    .query(({ ctx, input }) => ctx.services.people.listGigs(ctx.actor, input.teacherId)),
});
