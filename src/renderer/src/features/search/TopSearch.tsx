import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type RefObject } from 'react';
import { navigate } from '../../route';
import { useTRPC } from '../../trpc';
import { studentPath, teacherPath } from '../people/links';

interface Suggestion {
  key: string;
  label: string;
  kind: string;
  path: string;
}

/** Waits for typing to pause before asking the server (one query per pause, not per key). */
function useSettled(value: string, ms = 200): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * The top search box. It shows what the current queue is filtered by (so it never keeps text the
 * page no longer uses, and agrees with the queue's own filter), suggests people and a booking id as
 * you type, and Enter searches every booking.
 */
export function TopSearch({
  current,
  address,
  inputRef,
}: {
  /** The current queue's search text ('' on other pages). */
  current: string;
  /** The page's address: any navigation resets the box to what the new page uses. */
  address: string;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const trpc = useTRPC();
  const [text, setText] = useState(current);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  useEffect(() => setText(current), [current, address]);

  const wanted = useSettled(text.trim());
  const asksPeople = open && wanted.length >= 2 && !/^#?\d+$/.test(wanted);
  const students = useQuery({ ...trpc.people.searchStudents.queryOptions({ text: wanted }), enabled: asksPeople });
  const teachers = useQuery({ ...trpc.people.searchTeachers.queryOptions({ text: wanted }), enabled: asksPeople });
  const id = /^#?(\d{1,9})$/.exec(text.trim())?.[1];
  const suggestions: Suggestion[] = [
    ...(id ? [{ key: `b${id}`, label: `Booking #${id}`, kind: 'booking', path: `/bookings/${id}` }] : []),
    ...(asksPeople ? (students.data ?? []) : []).slice(0, 5).map((person) => ({
      key: `s${person.id}`,
      label: person.name,
      kind: 'student',
      path: studentPath(person.id).slice(1),
    })),
    ...(asksPeople ? (teachers.data ?? []) : []).slice(0, 5).map((person) => ({
      key: `t${person.id}`,
      label: person.name,
      kind: 'teacher',
      path: teacherPath(person.id).slice(1),
    })),
  ];
  const shown = open && suggestions.length > 0;

  const go = (path: string) => {
    setOpen(false);
    setActive(-1);
    navigate(path);
  };

  return (
    <form
      className="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const chosen = shown ? suggestions[active] : undefined;
        if (chosen) go(chosen.path);
        else go(`/queues/ALL/${encodeURIComponent(text.trim())}`);
      }}
    >
      <div className="search-box">
        <input
          ref={inputRef}
          type="search"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setOpen(true);
            setActive(-1);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={(event) => {
            if (event.key === 'ArrowDown' && shown) {
              event.preventDefault();
              setActive((index) => Math.min(suggestions.length - 1, index + 1));
            } else if (event.key === 'ArrowUp' && shown) {
              event.preventDefault();
              setActive((index) => Math.max(-1, index - 1));
            } else if (event.key === 'Escape') {
              setOpen(false);
            }
          }}
          placeholder="Search student, teacher or booking id  ( / )"
          aria-label="Search bookings and people"
          aria-expanded={shown}
          aria-controls="search-suggestions"
          aria-autocomplete="list"
          role="combobox"
        />
        {shown ? (
          <ul className="search-suggestions" id="search-suggestions" role="listbox" aria-label="Suggestions">
            {suggestions.map((suggestion, index) => (
              <li
                key={suggestion.key}
                role="option"
                aria-selected={index === active}
                onMouseDown={(event) => {
                  // Before the input's blur closes the list.
                  event.preventDefault();
                  go(suggestion.path);
                }}
              >
                {suggestion.label} <span className="muted">({suggestion.kind})</span>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </form>
  );
}
