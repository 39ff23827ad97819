import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { createGigInput, createPersonInput, idSchema, textSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import type { ServiceDeps } from './context';
import { createPeoplePages, PEOPLE_PAGE_USE_CASES } from './people-pages';
import type { GigRecord, StudentRecord, TeacherRecord } from './ports';
import { implement, spec } from './use-case';

const search = z.object({ text: textSchema(200, { required: false }).default('') });

export const PEOPLE_USE_CASES = {
  create: spec('people.create', 'people.write', createPersonInput),
  createGig: spec('gigs.create', 'people.write', createGigInput),
  getStudent: spec('people.getStudent', 'people.read', z.object({ id: idSchema })),
  getTeacher: spec('people.getTeacher', 'people.read', z.object({ id: idSchema })),
  searchStudents: spec('people.searchStudents', 'people.read', search),
  searchTeachers: spec('people.searchTeachers', 'people.read', search),
  listGigs: spec('gigs.list', 'people.read', z.object({ teacherId: idSchema.optional() })),
  ...PEOPLE_PAGE_USE_CASES,
};

export function createPeopleService(deps: ServiceDeps) {
  const { uow, clock } = deps;
  return {
    ...createPeoplePages(deps),
    create: implement(PEOPLE_USE_CASES.create, async (actor, data): Promise<StudentRecord | TeacherRecord> =>
      uow.transaction(async (repos) => {
        const fields = { email: data.email, name: data.name, timezone: data.timezone ?? 'UTC', createdAt: clock.now() };
        const person =
          data.kind === 'student' ? await repos.people.createStudent(fields) : await repos.people.createTeacher(fields);
        await repos.audit.append(
          auditEntry(
            actor,
            `${data.kind}.create`,
            data.kind === 'student' ? 'Student' : 'Teacher',
            person.id,
            clock.now(),
            {
              email: person.email,
            },
          ),
        );
        return person;
      }),
    ),

    createGig: implement(PEOPLE_USE_CASES.createGig, async (actor, data): Promise<GigRecord> =>
      uow.transaction(async (repos) => {
        // A teacher offers gigs only under their own name (R50); staff for anyone.
        if (actor.kind === 'TEACHER' && actor.id !== data.teacherId)
          throw new DomainError('FORBIDDEN', 'Teachers can only create their own gigs');
        if (actor.kind === 'STUDENT') throw new DomainError('FORBIDDEN', 'Students cannot create gigs');
        if (!(await repos.people.findTeacher(data.teacherId))) {
          throw new DomainError('NOT_FOUND', `Teacher ${data.teacherId} does not exist`);
        }
        const gig = await repos.people.createGig({ ...data, createdAt: clock.now() });
        await repos.audit.append(auditEntry(actor, 'gig.create', 'Gig', gig.id, clock.now(), { ...data }));
        return gig;
      }),
    ),

    getStudent: implement(PEOPLE_USE_CASES.getStudent, async (_actor, input): Promise<StudentRecord> => {
      const student = await uow.read.people.findStudent(input.id);
      if (!student) throw new DomainError('NOT_FOUND', `Student ${input.id} does not exist`);
      return student;
    }),

    getTeacher: implement(PEOPLE_USE_CASES.getTeacher, async (_actor, input): Promise<TeacherRecord> => {
      const teacher = await uow.read.people.findTeacher(input.id);
      if (!teacher) throw new DomainError('NOT_FOUND', `Teacher ${input.id} does not exist`);
      return teacher;
    }),

    searchStudents: implement(PEOPLE_USE_CASES.searchStudents, (_actor, input) =>
      uow.read.people.searchStudents(input.text.trim(), 20),
    ),
    searchTeachers: implement(PEOPLE_USE_CASES.searchTeachers, (_actor, input) =>
      uow.read.people.searchTeachers(input.text.trim(), 20),
    ),
    listGigs: implement(PEOPLE_USE_CASES.listGigs, (_actor, input) => uow.read.people.listGigs(input.teacherId)),
  };
}

export type PeopleService = ReturnType<typeof createPeopleService>;
