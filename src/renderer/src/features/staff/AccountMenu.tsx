import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog, InlineError } from '../../components/ui';
import { useSession } from '../../session';
import { useTRPC } from '../../trpc';
import { ChangePasswordDialog } from './ChangePassword';

/** The top bar's account actions (R34): change your own password, sign out everywhere. */
export function AccountMenu() {
  const trpc = useTRPC();
  const { signOut } = useSession();
  const [open, setOpen] = useState<'password' | 'everywhere' | null>(null);
  const everywhere = useMutation(
    trpc.auth.logoutEverywhere.mutationOptions({
      onSuccess: (done) =>
        signOut(
          `You signed out everywhere (${done.sessionsEnded} sign-in${done.sessionsEnded === 1 ? '' : 's'} ended).`,
        ),
    }),
  );
  return (
    <>
      <button type="button" className="button ghost" onClick={() => setOpen('password')}>
        Change password
      </button>
      <button type="button" className="button ghost" onClick={() => setOpen('everywhere')}>
        Sign out everywhere
      </button>
      {open === 'password' ? <ChangePasswordDialog onClose={() => setOpen(null)} /> : null}
      {open === 'everywhere' ? (
        <Dialog title="Sign out everywhere" onClose={() => setOpen(null)}>
          <p>Every sign-in of your account ends, on every computer and this one included.</p>
          <InlineError error={everywhere.error} />
          <div className="dialog-actions">
            <button type="button" className="button ghost" onClick={() => setOpen(null)}>
              Back
            </button>
            <button
              type="button"
              className="button danger"
              disabled={everywhere.isPending}
              onClick={() => everywhere.mutate()}
            >
              Sign out everywhere
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
