import { PEOPLE_USE_CASES as P } from '../../services/people';
import { router, useCaseProcedure } from '../trpc';

export const peopleRouter = router({
  create: useCaseProcedure(P.create).mutation(({ ctx, input }) => ctx.services.people.create.run(ctx.actor, input)),
  getStudent: useCaseProcedure(P.getStudent).query(({ ctx, input }) =>
    ctx.services.people.getStudent.run(ctx.actor, input),
  ),
  getTeacher: useCaseProcedure(P.getTeacher).query(({ ctx, input }) =>
    ctx.services.people.getTeacher.run(ctx.actor, input),
  ),
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
