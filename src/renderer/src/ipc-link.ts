import { TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import type { IpcBridge, MainToRenderer } from '../../shared/ipc-protocol';

interface Transformer {
  serialize(value: unknown): unknown;
  deserialize(value: unknown): unknown;
}

let nextId = 1;

/**
 * The renderer half of tRPC over IPC: each operation becomes one request message with an id; the
 * main process answers on the same channel. Unsubscribing from a subscription sends `stop`.
 */
export function ipcLink<TRouter extends AnyRouter>(options: {
  bridge: IpcBridge;
  transformer: Transformer;
  getToken: () => string | null;
}): TRPCLink<TRouter> {
  const { bridge, transformer } = options;
  return () =>
    ({ op }) =>
      observable((observer) => {
        const id = nextId++;
        let done = false;
        const stopListening = bridge.onMessage((message: MainToRenderer) => {
          if (message.id !== id || done) return;
          if ('error' in message) {
            done = true;
            observer.error(TRPCClientError.from({ error: transformer.deserialize(message.error) as never }));
            return;
          }
          const { result } = message;
          if (result.type === 'started') {
            observer.next({ result: { type: 'started' } });
          } else if (result.type === 'stopped') {
            done = true;
            observer.next({ result: { type: 'stopped' } });
            observer.complete();
          } else {
            const data = transformer.deserialize(result.data);
            if (result.id !== undefined) {
              observer.next({ result: { id: result.id, data: { id: result.id, data } } });
            } else {
              observer.next({ result: { type: 'data', data } });
            }
            if (op.type !== 'subscription') {
              done = true;
              observer.complete();
            }
          }
        });
        bridge.send({
          kind: 'request',
          id,
          type: op.type,
          path: op.path,
          input: op.input === undefined ? undefined : transformer.serialize(op.input),
          token: options.getToken(),
        });
        return () => {
          stopListening();
          if (op.type === 'subscription' && !done) bridge.send({ kind: 'stop', id });
          done = true;
        };
      });
}
