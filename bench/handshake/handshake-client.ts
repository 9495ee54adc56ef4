// The handshake load generator, run as its own process so its CPU is not the server's: `loops`
// connections at a time, each doing one TLS handshake and closing, for `seconds`. Full mode
// offers no session; resumed mode offers the ticket the server gave on a first connection
// (TLS 1.3 stateless tickets may be offered again). Prints one JSON line of counts.
import * as tls from 'node:tls';

export interface ClientCounts {
  handshakes: number;
  /** Handshakes the server resumed (no certificate signature). */
  resumed: number;
  errors: number;
  firstError?: string;
}

export interface ClientArgs {
  port: number;
  serverName: string;
  mode: 'full' | 'resumed';
  seconds: number;
  loops: number;
}

function handshake(args: ClientArgs, session: Buffer | undefined, onTicket?: (t: Buffer) => void): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1', port: args.port, servername: args.serverName, rejectUnauthorized: false,
      minVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'], ...(session ? { session } : {}),
    });
    socket.once('error', reject);
    if (onTicket) {
      // TLS 1.3 tickets arrive after the handshake: wait for one before closing.
      socket.once('session', (ticket: Buffer) => {
        onTicket(ticket);
        socket.destroy();
      });
      socket.once('secureConnect', () => resolve(socket.isSessionReused()));
      return;
    }
    socket.once('secureConnect', () => {
      const reused = socket.isSessionReused();
      socket.destroy();
      resolve(reused);
    });
  });
}

async function firstTicket(args: ClientArgs): Promise<Buffer> {
  let ticket: Buffer | undefined;
  await handshake(args, undefined, (t) => { ticket = t; });
  for (let i = 0; i < 100 && ticket === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  if (!ticket) throw new Error('the server sent no session ticket');
  return ticket;
}

export async function runClient(args: ClientArgs): Promise<ClientCounts> {
  const counts: ClientCounts = { handshakes: 0, resumed: 0, errors: 0 };
  const session = args.mode === 'resumed' ? await firstTicket(args) : undefined;
  const deadline = Date.now() + args.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (Date.now() < deadline) {
      try {
        const reused = await handshake(args, session);
        counts.handshakes++;
        if (reused) counts.resumed++;
      } catch (err) {
        counts.errors++;
        counts.firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: args.loops }, loop));
  return counts;
}

// `node handshake-client.js <port> <serverName> <full|resumed> <seconds> <loops>`
if (process.argv[1]?.endsWith('handshake-client.js')) {
  const [port, serverName, mode, seconds, loops] = process.argv.slice(2);
  const counts = await runClient({ port: Number(port), serverName: serverName ?? 'localhost', mode: mode === 'resumed' ? 'resumed' : 'full', seconds: Number(seconds), loops: Number(loops) });
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}
