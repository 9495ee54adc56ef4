// The floor under a cold Check: a bare grpc-js unary call to a server in another process that
// answers at once (bytes in, the same bytes out — no protobuf, no Mixer). Whatever a cold Check
// costs beyond this is the client library's and Mixer's own. Run as a child process:
// `node grpc-echo.js serve` prints `port <n>`; latency.ts times calls against it.
import { Server, ServerCredentials, credentials, makeGenericClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';

const identity = (b: Buffer): Buffer => b;

export const ECHO_SERVICE: ServiceDefinition = {
  Echo: {
    path: '/isthmus.bench.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** A unary call function against the echo server at `address`. */
export function echoCaller(address: string): { call(payload: Buffer): Promise<Buffer>; close(): void } {
  const Client = makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
  const client = new Client(address, credentials.createInsecure());
  const unary = client.Echo.bind(client) as (req: Buffer, meta: { deadline: number }, cb: (err: Error | null, res: Buffer) => void) => void;
  return {
    call: (payload) => new Promise((resolve, reject) => unary(payload, { deadline: Date.now() + 1000 }, (err, res) => (err ? reject(err) : resolve(res)))),
    close: () => client.close(),
  };
}

if (process.argv[1]?.endsWith('grpc-echo.js') && process.argv[2] === 'serve') {
  const server = new Server();
  server.addService(ECHO_SERVICE, { Echo: (call: { request: Buffer }, cb: (e: null, r: Buffer) => void) => cb(null, call.request) });
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.stdout.write(`port ${port}\n`);
  });
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
}
