// Real gRPC echo backends on 127.0.0.1 for proxyless tests. Each knows its name and can be told
// to fail or be slow, so routing, retries, timeouts and outlier detection are observable.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { repoPath } from './paths.js';

const definition = protoLoader.loadSync(repoPath('test/fixtures/grpc/echo.proto'), { keepCase: true });
const pkg = grpc.loadPackageDefinition(definition) as unknown as {
  isthmus: { test: { Echo: grpc.ServiceClientConstructor } };
};
export const EchoClient = pkg.isthmus.test.Echo;

export interface CallReply {
  backend: string;
  payload: string;
}

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'fail-every-other'; code: grpc.status }
  | { kind: 'fail-always'; code: grpc.status }
  | { kind: 'delay'; ms: number };

export interface EchoBackend {
  name: string;
  port: number;
  calls: number;
  behaviour: Behaviour;
  close(): Promise<void>;
}

export async function startEchoBackend(name: string, behaviour: Behaviour = { kind: 'ok' }): Promise<EchoBackend> {
  const server = new grpc.Server();
  const backend: EchoBackend = {
    name,
    port: 0,
    calls: 0,
    behaviour,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(EchoClient.service, {
    Call(call: grpc.ServerUnaryCall<{ payload: string }, CallReply>, done: grpc.sendUnaryData<CallReply>) {
      backend.calls++;
      const b = backend.behaviour;
      const reply = { backend: name, payload: call.request.payload };
      if (b.kind === 'fail-always' || (b.kind === 'fail-every-other' && backend.calls % 2 === 1)) {
        done({ code: b.code, details: `${name} fails on purpose` });
      } else if (b.kind === 'delay') {
        setTimeout(() => done(null, reply), b.ms);
      } else {
        done(null, reply);
      }
    },
  });
  backend.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  return backend;
}

/** One unary call; resolves with the reply or the gRPC error (never rejects). */
export function callOnce(
  client: grpc.Client,
  opts: { metadata?: Record<string, string>; deadlineMs?: number } = {},
): Promise<{ reply?: CallReply; error?: grpc.ServiceError }> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  const callOpts: grpc.CallOptions = opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {};
  return new Promise((resolve) => {
    (client as unknown as {
      Call(req: { payload: string }, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: CallReply) => void): void;
    }).Call({ payload: 'hi' }, md, callOpts, (error, reply) => resolve(error ? { error } : { reply }));
  });
}
