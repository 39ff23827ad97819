import { TRPC_IPC_CHANNEL, type IpcBridge, type MainToRenderer, type RendererToMain } from '../shared/ipc-protocol';

export interface IpcRendererLike {
  send(channel: string, message: RendererToMain): void;
  on(channel: string, listener: (event: unknown, message: MainToRenderer) => void): void;
  removeListener(channel: string, listener: (event: unknown, message: MainToRenderer) => void): void;
}

/** The only thing the page gets: send a tRPC message, listen for answers. No ipcRenderer, no events. */
export function createBridge(ipcRenderer: IpcRendererLike): IpcBridge {
  return {
    send: (message) => ipcRenderer.send(TRPC_IPC_CHANNEL, message),
    onMessage: (listener) => {
      const wrapped = (_event: unknown, message: MainToRenderer) => listener(message);
      ipcRenderer.on(TRPC_IPC_CHANNEL, wrapped);
      return () => ipcRenderer.removeListener(TRPC_IPC_CHANNEL, wrapped);
    },
  };
}
