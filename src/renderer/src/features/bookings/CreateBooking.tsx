import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { InlineError, Spinner } from '../../components/ui';
import { formatMoney, viewerTimeZone } from '../../format';
import { navigate } from '../../route';
import { useTRPC } from '../../trpc';

const LENGTHS = Array.from({ length: 16 }, (_, index) => (index + 1) * 15);

/** Book a session on a student's behalf, with the server's quote shown before submitting (R6). */
export function CreateBooking() {
  const trpc = useTRPC();
  const [studentText, setStudentText] = useState('');
  const [studentId, setStudentId] = useState<number | null>(null);
  const [teacherText, setTeacherText] = useState('');
  const [teacherId, setTeacherId] = useState<number | null>(null);
  const [gigId, setGigId] = useState<number | null>(null);
  const [start, setStart] = useState('');
  const [minutes, setMinutes] = useState(60);
  const [notes, setNotes] = useState('');
  const students = useQuery(trpc.people.searchStudents.queryOptions({ text: studentText }));
  const teachers = useQuery(trpc.people.searchTeachers.queryOptions({ text: teacherText }));
  const gigs = useQuery({
    ...trpc.gigs.list.queryOptions({ teacherId: teacherId ?? undefined }),
    enabled: teacherId !== null,
  });
  const quote = useQuery({
    ...trpc.bookings.quote.queryOptions({ gigId: gigId ?? 0, minutes }),
    enabled: gigId !== null,
  });
  const create = useMutation(
    trpc.bookings.create.mutationOptions({ onSuccess: (booking) => navigate(`/bookings/${booking.id}`) }),
  );
  const startsAt = start ? new Date(start) : null;

  const submit = (event: { preventDefault: () => void }) => {
    event.preventDefault();
    if (studentId === null || gigId === null || !startsAt) return;
    create.mutate({ studentId, gigId, startsAt, minutes, notes: notes.trim() || undefined });
  };

  return (
    <section className="create" aria-label="New booking">
      <div className="page-head">
        <h1>New booking</h1>
      </div>
      <form className="card form-grid" onSubmit={submit}>
        <fieldset>
          <legend>Student</legend>
          <input
            type="search"
            placeholder="Search students by name or email"
            value={studentText}
            onChange={(event) => setStudentText(event.target.value)}
            aria-label="Search students"
          />
          {students.isPending ? <Spinner /> : null}
          <select
            size={6}
            value={studentId ?? ''}
            onChange={(event) => setStudentId(Number(event.target.value))}
            aria-label="Student"
          >
            {students.data?.map((student) => (
              <option key={student.id} value={student.id}>
                {student.name} — {student.email}
              </option>
            ))}
          </select>
        </fieldset>
        <fieldset>
          <legend>Teacher and gig</legend>
          <input
            type="search"
            placeholder="Search teachers"
            value={teacherText}
            onChange={(event) => setTeacherText(event.target.value)}
            aria-label="Search teachers"
          />
          <select
            size={4}
            value={teacherId ?? ''}
            onChange={(event) => {
              setTeacherId(Number(event.target.value));
              setGigId(null);
            }}
            aria-label="Teacher"
          >
            {teachers.data?.map((teacher) => (
              <option key={teacher.id} value={teacher.id}>
                {teacher.name} ({teacher.timezone})
              </option>
            ))}
          </select>
          <select
            value={gigId ?? ''}
            onChange={(event) => setGigId(Number(event.target.value))}
            aria-label="Gig"
            disabled={teacherId === null}
          >
            <option value="" disabled>
              {teacherId === null ? 'Choose a teacher first' : 'Choose a gig'}
            </option>
            {gigs.data?.map((gig) => (
              <option key={gig.id} value={gig.id} disabled={!gig.active}>
                {gig.title} · {gig.language} · {formatMoney(gig.hourlyRateMinor, gig.currency)}/h
              </option>
            ))}
          </select>
        </fieldset>
        <fieldset>
          <legend>When</legend>
          <label>
            Start ({viewerTimeZone})
            <input
              type="datetime-local"
              value={start}
              onChange={(event) => setStart(event.target.value)}
              step={900}
              aria-label="Start"
            />
          </label>
          <label>
            Length
            <select value={minutes} onChange={(event) => setMinutes(Number(event.target.value))} aria-label="Length">
              {LENGTHS.map((length) => (
                <option key={length} value={length}>
                  {length} minutes
                </option>
              ))}
            </select>
          </label>
          <label>
            Notes for the teacher
            <textarea value={notes} onChange={(event) => setNotes(event.target.value)} rows={2} maxLength={2000} />
          </label>
        </fieldset>
        <aside className="quote-box" aria-label="Quote" data-testid="quote">
          <h2>Quote</h2>
          {gigId === null ? (
            <p className="muted">Choose a gig to see the price.</p>
          ) : quote.isPending ? (
            <Spinner label="Pricing…" />
          ) : quote.isError ? (
            <InlineError error={quote.error} />
          ) : (
            <table className="quote">
              <tbody>
                <tr>
                  <th>Base</th>
                  <td className="num">{formatMoney(quote.data.baseMinor, quote.data.currency)}</td>
                </tr>
                <tr>
                  <th>Platform fee</th>
                  <td className="num">{formatMoney(quote.data.feeMinor, quote.data.currency)}</td>
                </tr>
                <tr className="total">
                  <th>Student pays</th>
                  <td className="num">{formatMoney(quote.data.totalMinor, quote.data.currency)}</td>
                </tr>
                <tr>
                  <th>Teacher earns</th>
                  <td className="num">{formatMoney(quote.data.teacherMinor, quote.data.currency)}</td>
                </tr>
              </tbody>
            </table>
          )}
          <InlineError error={create.error} />
          <button
            type="submit"
            className="button primary"
            disabled={create.isPending || studentId === null || gigId === null || !startsAt}
          >
            {create.isPending ? 'Booking…' : 'Create booking'}
          </button>
        </aside>
      </form>
    </section>
  );
}
