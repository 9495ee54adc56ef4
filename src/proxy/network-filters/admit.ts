// Runs a chain's network filters on a new connection, then hands it to the terminal filter. While
// a filter's decision is pending (a Mixer Check on the wire) the client's bytes are held: read off
// the socket and put back once the connection is admitted, so nothing reaches the upstream — no
// connection is even opened — before every filter has said yes.
import type { DownstreamConnection, NetworkFilter, NetworkFilterStatus } from './filter.js';

export function admitConnection(
  conn: DownstreamConnection,
  filters: readonly NetworkFilter[],
  log: (line: string) => void,
  proceed: () => void,
): void {
  const socket = conn.socket;
  let held: Buffer[] | undefined;
  // The listener may have resumed the socket (after sniffing a ClientHello): a listener that
  // keeps what arrives, pausing at once, is safe whether the socket is flowing or not.
  const keep = (chunk: Buffer) => {
    held!.push(chunk);
    socket.pause();
  };
  const hold = () => {
    if (held) return;
    held = [];
    socket.on('data', keep);
  };
  const release = () => {
    if (!held) return;
    socket.off('data', keep);
    socket.pause();
    if (held.length > 0) socket.unshift(held.length === 1 ? held[0]! : Buffer.concat(held));
    held = undefined;
  };
  // What was held is dropped with the connection (putting it back could throw on an ended socket).
  const refuse = () => {
    socket.off('data', keep);
    held = undefined;
    socket.destroy();
  };
  let i = 0;
  const next = (): void => {
    while (i < filters.length) {
      const filter = filters[i++]!;
      let status: NetworkFilterStatus | Promise<NetworkFilterStatus>;
      try {
        status = filter.onNewConnection(conn);
      } catch (err) {
        log(`listener ${conn.listener}: network filter failed, closing the connection: ${(err as Error).message}`);
        return refuse();
      }
      if (status instanceof Promise) {
        hold();
        status.then(
          (s) => (s === 'continue' && !socket.destroyed ? next() : refuse()),
          (err: Error) => {
            log(`listener ${conn.listener}: network filter failed, closing the connection: ${err.message}`);
            refuse();
          },
        );
        return;
      }
      if (status === 'stop') return refuse();
    }
    release();
    proceed();
  };
  next();
}
