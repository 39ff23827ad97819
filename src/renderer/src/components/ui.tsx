import { Component, useEffect, useRef, useState, type ErrorInfo, type ReactNode } from 'react';
import { describeError } from '../errors';
import { PAYMENT_STATUS_LABEL, STATUS_LABEL } from '../format';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { message, code } = describeError(error);
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load this.</strong> {message}
      {code ? <span className="code"> ({code})</span> : null}
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  const { message, code } = describeError(error);
  return (
    <p className="inline-error" role="alert">
      {message}
      {code ? <span className="code"> ({code})</span> : null}
    </p>
  );
}

/** A booking's or a payment's status in words (a payment's PENDING is not the booking's "awaiting teacher"). */
export function StatusBadge({ value, kind = 'booking' }: { value: string; kind?: 'booking' | 'payment' }) {
  const label = (kind === 'payment' ? PAYMENT_STATUS_LABEL[value] : undefined) ?? STATUS_LABEL[value] ?? value;
  return <span className={`badge badge-${value.toLowerCase()}`}>{label}</span>;
}

/**
 * A modal that traps nothing fancy but focuses its first field once, when it opens (a live update
 * re-rendering the page must not pull the focus back while someone types), and closes on Escape.
 */
export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  }, [onClose]);
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('textarea, input, select, button');
    first?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="dialog-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** A screen that throws while rendering shows what went wrong instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Screen failed to render', error, info.componentStack);
  }
  override componentDidUpdate(previous: { resetKey: string }): void {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }
  override render(): ReactNode {
    if (this.state.error) {
      return (
        <div className="state state-error" role="alert">
          <strong>This screen failed to show.</strong> {this.state.error.message}
        </div>
      );
    }
    return this.props.children;
  }
}

/** A dialog that asks for one required note (a rejection, a resolution) and submits it. */
export function NoteDialog(props: {
  title: string;
  prompt?: string;
  label: string;
  submitLabel: string;
  danger?: boolean;
  error: unknown;
  onSubmit: (note: string) => void;
  onClose: () => void;
}) {
  const [note, setNote] = useState('');
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          props.onSubmit(note);
        }}
      >
        {props.prompt ? <p>{props.prompt}</p> : null}
        <label>
          {props.label}
          <textarea value={note} onChange={(event) => setNote(event.target.value)} rows={3} />
        </label>
        <InlineError error={props.error} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={props.onClose}>
            Back
          </button>
          <button type="submit" className={props.danger ? 'button danger' : 'button primary'}>
            {props.submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
