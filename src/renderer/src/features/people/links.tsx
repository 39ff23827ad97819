import type { MouseEvent } from 'react';

/** Inside a clickable row (a queue row opens its booking), following the name must not open the row too. */
const own = (event: MouseEvent) => event.stopPropagation();

export const studentPath = (id: number) => `#/people/students/${id}`;
export const teacherPath = (id: number) => `#/people/teachers/${id}`;

/** A student's name, linked to their page. */
export function StudentLink({ id, name }: { id: number; name: string }) {
  return (
    <a href={studentPath(id)} onClick={own} data-testid="student-link">
      {name}
    </a>
  );
}

/** A teacher's name, linked to their page. */
export function TeacherLink({ id, name }: { id: number; name: string }) {
  return (
    <a href={teacherPath(id)} onClick={own} data-testid="teacher-link">
      {name}
    </a>
  );
}

/** Finance's way on from a teacher's name: their payout page (shown only to roles that read payouts). */
export function PayoutLink({ id, name }: { id: number; name: string }) {
  return (
    <a href={`#/payouts/teachers/${id}`} onClick={own} className="muted" aria-label={`Payouts of ${name}`}>
      payouts
    </a>
  );
}
