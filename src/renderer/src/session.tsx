import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

export interface StaffSession {
  token: string;
  /** Known after a sign-in; a session restored after a reload does not say. */
  expiresAt?: Date | undefined;
  staff: { id: number; email: string; name: string; role: 'ADMIN' | 'FINANCE' | 'SUPPORT' };
  permissions: string[];
}

interface SessionValue {
  session: StaffSession | null;
  /** The token for the HTTP transport (empty inside the desktop app); read at call time. */
  getToken: () => string | null;
  signIn: (session: StaffSession) => void;
  signOut: (reason?: string) => void;
  can: (permission: string) => boolean;
  signedOutReason: string | null;
  /** True until the console has asked whether a session survives from before a reload. */
  restoring: boolean;
  /** The answer to that question: the session held for this console, or none. */
  restored: (session: StaffSession | null) => void;
}

const SessionContext = createContext<SessionValue | null>(null);

/**
 * The renderer never holds the session's token: in a browser it lives in an HttpOnly cookie, inside
 * the desktop app in the main process, and `auth.login` answers with an empty token (a direct HTTP
 * client still gets one). Either way a reload keeps the session: the console asks `auth.me` on start
 * (`restoring` until it knows). Nothing here may depend on the token being non-empty.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<StaffSession | null>(null);
  const [signedOutReason, setReason] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(true);
  const tokenRef = useRef<string | null>(null);
  const signedInRef = useRef(false);
  const signIn = useCallback((next: StaffSession) => {
    tokenRef.current = next.token || null;
    signedInRef.current = true;
    setReason(null);
    setSession(next);
  }, []);
  const signOut = useCallback((reason?: string) => {
    tokenRef.current = null;
    // Only a session that ended has a reason to show: a refused sign-in says why once, in its form.
    if (signedInRef.current) setReason(reason ?? null);
    signedInRef.current = false;
    setSession(null);
  }, []);
  const restored = useCallback(
    (found: StaffSession | null) => {
      if (found && !signedInRef.current) signIn(found);
      setRestoring(false);
    },
    [signIn],
  );
  const getToken = useCallback(() => tokenRef.current, []);
  const value = useMemo<SessionValue>(
    () => ({
      session,
      getToken,
      signIn,
      signOut,
      can: (permission) => session?.permissions.includes(permission) ?? false,
      signedOutReason,
      restoring,
      restored,
    }),
    [session, getToken, signIn, signOut, signedOutReason, restoring, restored],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
