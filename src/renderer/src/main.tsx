import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { describeError } from './errors';
import { SessionProvider, useSession } from './session';
import { createClient, TRPCProvider } from './trpc';
import './styles.css';

function Providers() {
  const { getToken, signOut, restored } = useSession();
  const [queryClient] = useState(() => {
    const onError = (error: unknown) => {
      const { code, message } = describeError(error);
      if (code === 'UNAUTHENTICATED') signOut(message);
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: {
        queries: {
          staleTime: 10_000,
          retry: (count, error) =>
            count < 2 &&
            !['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION'].includes(describeError(error).code ?? ''),
        },
      },
    });
  });
  const [trpcClient] = useState(() => createClient(getToken));
  // A reload keeps the session (an HttpOnly cookie, or the desktop's main process holds it): ask who we are.
  useEffect(() => {
    trpcClient.auth.me
      .query()
      .then((me) =>
        restored({
          token: '',
          staff: { id: me.id, email: me.email, name: me.name, role: me.role },
          permissions: me.permissions,
        }),
      )
      .catch(() => restored(null));
  }, [trpcClient, restored]);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <App />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <SessionProvider>
      <Providers />
    </SessionProvider>
  </StrictMode>,
);
