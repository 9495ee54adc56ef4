// A separate process for the throttle test: subscribes to clusters, says so, then waits to be
// frozen with SIGSTOP (so it really stops reading, down to TCP). Does nothing without a port,
// which is how the test runner meets it when it runs every file under dist/test.
import { CDS, TestStream, node, type SotwResponse } from './harness.js';

const port = Number(process.argv[2]);
if (port > 0) {
  const s = new TestStream<SotwResponse>(port, 'sotw');
  s.send({ node: node('sidecar~10.0.0.9~frozen-1.default~default.svc.cluster.local'), type_url: CDS, resource_names: [], response_nonce: '' });
  await s.next('the first clusters');
  process.stdout.write('subscribed\n');
  await new Promise(() => {}); // until killed
}
