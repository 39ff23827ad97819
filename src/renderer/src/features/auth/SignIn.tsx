import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { InlineError } from '../../components/ui';
import { useSession } from '../../session';
import { useTRPC } from '../../trpc';

export function SignIn() {
  const trpc = useTRPC();
  const { signIn, signedOutReason } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation(trpc.auth.login.mutationOptions({ onSuccess: (session) => signIn(session) }));
  const submit = (event: { preventDefault: () => void }) => {
    event.preventDefault();
    login.mutate({ email, password });
  };
  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} aria-label="Sign in">
        <h1>LinguaFlex Ops</h1>
        <p className="muted">Sign in with your staff account.</p>
        {signedOutReason ? <p className="notice">{signedOutReason}</p> : null}
        <label>
          Email
          <input
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        <InlineError error={login.error} />
        <button type="submit" className="button primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
