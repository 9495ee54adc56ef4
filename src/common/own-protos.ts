// The gRPC services Isthmus defines itself (the CA's and Mixer's), loaded at run time from the
// `proto/` folder shipped beside `src/` and `dist/`: one place knows where that folder is and
// how a service is looked up in a loaded package.
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: this file runs from src/common/ (sources) or dist/src/common/ (compiled). */
const PACKAGE_ROOT = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../..') : path.resolve(here, '../..');
})();

/** Absolute path of a file under `proto/`, e.g. ownProtoPath('istio/v1/auth/ca.proto'). */
export function ownProtoPath(relative: string): string {
  return path.join(PACKAGE_ROOT, 'proto', relative);
}

/** Loads `file` and returns the client constructor of `service` (`package.Service`); its `.service` is the server definition. */
export function loadOwnService(file: string, service: string, options: Options): ServiceClientConstructor {
  const pkg = loadPackageDefinition(loadSync(file, options)) as GrpcObject;
  let node: unknown = pkg;
  for (const part of service.split('.')) node = (node as GrpcObject | undefined)?.[part];
  if (typeof node !== 'function') throw new Error(`${file} defines no service ${service}`);
  return node as ServiceClientConstructor;
}
