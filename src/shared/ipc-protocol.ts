/**
 * The messages tRPC calls travel in between the renderer and the main process (one channel).
 * Inputs and outputs are already serialized by the router's transformer (superjson).
 */
export const TRPC_IPC_CHANNEL = 'linguaflex:trpc';

export type ProcedureKind = 'query' | 'mutation' | 'subscription';

export type RendererToMain =
  | { kind: 'request'; id: number; type: ProcedureKind; path: string; input: unknown; token: string | null }
  | { kind: 'stop'; id: number };

export type MainToRenderer =
  | { id: number; result: { type: 'data'; data: unknown; id?: string } }
  | { id: number; result: { type: 'started' } }
  | { id: number; result: { type: 'stopped' } }
  | { id: number; error: unknown };

/** What the preload exposes on `window.linguaflexIpc`, and nothing else. */
export interface IpcBridge {
  send(message: RendererToMain): void;
  onMessage(listener: (message: MainToRenderer) => void): () => void;
}
