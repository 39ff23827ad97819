import type { IpcBridge } from '../shared/ipc-protocol';

declare global {
  interface Window {
    /** Present only inside the Electron shell (see src/preload). */
    linguaflexIpc?: IpcBridge;
  }
}
