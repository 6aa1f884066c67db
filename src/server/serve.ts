import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hub } from '../hub.js';
import { DEFAULT_HOST } from '../core/config.js';
import { startWalCheckpointer } from '../core/wal-checkpointer.js';
import { createApp } from './app.js';

export interface RunningServer {
  /** The address it listens on, as a URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on the port (0 picks a free one); close() stops taking connections and lets in-flight
 * requests finish. On SQLite the write-ahead log is checkpointed from another thread while the
 * server runs: an automatic checkpoint inside a request's commit waits for fsyncs, the largest
 * part of the slowest annotator requests.
 */
export async function startServer(hub: Hub, port: number, host = DEFAULT_HOST): Promise<RunningServer> {
  const app = createApp(hub);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const checkpointer = hub.store.dialect === 'sqlite' ? await startWalCheckpointer(hub.store) : undefined;
  const address = server.address() as AddressInfo;
  const actual = address.port;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${actual}`,
    port: actual,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      });
      await checkpointer?.stop();
    },
  };
}
