import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { assertStaffCan } from '../domain/permissions';
import { createGigInput, createPersonInput, idSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import type { ServiceDeps } from './context';
import type { GigRecord, StudentRecord, TeacherRecord } from './ports';
import { parseInput } from './validation';

export function createPeopleService({ uow, clock }: ServiceDeps) {
  return {
    async create(actor: Actor, input: unknown): Promise<StudentRecord | TeacherRecord> {
      assertStaffCan(actor, 'people.write');
      const data = parseInput(createPersonInput, input, 'person');
      return uow.transaction(async (repos) => {
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
            { email: person.email },
          ),
        );
        return person;
      });
    },

    async createGig(actor: Actor, input: unknown): Promise<GigRecord> {
      assertStaffCan(actor, 'people.write');
      const data = parseInput(createGigInput, input, 'gig');
      return uow.transaction(async (repos) => {
        if (!(await repos.people.findTeacher(data.teacherId))) {
          throw new DomainError('NOT_FOUND', `Teacher ${data.teacherId} does not exist`);
        }
        const gig = await repos.people.createGig({ ...data, createdAt: clock.now() });
        await repos.audit.append(auditEntry(actor, 'gig.create', 'Gig', gig.id, clock.now(), { ...data }));
        return gig;
      });
    },

    async getStudent(actor: Actor, id: unknown): Promise<StudentRecord> {
      assertStaffCan(actor, 'people.read');
      const studentId = parseInput(idSchema, id, 'student id');
      const student = await uow.read.people.findStudent(studentId);
      if (!student) throw new DomainError('NOT_FOUND', `Student ${studentId} does not exist`);
      return student;
    },

    async getTeacher(actor: Actor, id: unknown): Promise<TeacherRecord> {
      assertStaffCan(actor, 'people.read');
      const teacherId = parseInput(idSchema, id, 'teacher id');
      const teacher = await uow.read.people.findTeacher(teacherId);
      if (!teacher) throw new DomainError('NOT_FOUND', `Teacher ${teacherId} does not exist`);
      return teacher;
    },

    async searchStudents(actor: Actor, text: string): Promise<StudentRecord[]> {
      assertStaffCan(actor, 'people.read');
      return uow.read.people.searchStudents(text.trim().slice(0, 200), 20);
    },

    async searchTeachers(actor: Actor, text: string): Promise<TeacherRecord[]> {
      assertStaffCan(actor, 'people.read');
      return uow.read.people.searchTeachers(text.trim().slice(0, 200), 20);
    },

    async listGigs(actor: Actor, teacherId?: number): Promise<GigRecord[]> {
      assertStaffCan(actor, 'people.read');
      return uow.read.people.listGigs(teacherId);
    },
  };
}

export type PeopleService = ReturnType<typeof createPeopleService>;
