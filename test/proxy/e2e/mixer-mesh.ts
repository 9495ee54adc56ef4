// Shared by the Mixer end-to-end tests: Mixer's own config in the mesh's config directory (the
// manager and `isthmus mixer` read the same store), a MeshConfig naming the Mixer, and real
// `isthmus mixer` processes.
import { startIsthmus, type RunningProcess } from '../../helpers/process.js';

export function meshConfig(mixer: string, failOpen = false, report = mixer): string {
  return `apiVersion: config.isthmus.dev/v1alpha1
kind: MeshConfig
metadata: {name: mesh, namespace: isthmus-system}
spec:
  mixerCheckServer: "${mixer}"
  mixerReportServer: "${report}"
  policyCheckFailOpen: ${failOpen}
`;
}

export interface MixerProcess {
  process: RunningProcess;
  address: string;
  monitoring: string;
  stop(): Promise<unknown>;
}

export async function startMixer(configDir: string, grpcPort = 0): Promise<MixerProcess> {
  const p = startIsthmus(['mixer', '--config-dir', configDir, '--grpc-port', String(grpcPort), '--monitoring-port', '0']);
  try {
    const m = await p.waitForLine(/mixer grpc (\S+) monitoring (\S+)/);
    await p.waitForLine(/^ready$/m);
    return { process: p, address: m[1]!, monitoring: m[2]!, stop: () => p.stop() };
  } catch (e) {
    await p.stop();
    throw e;
  }
}
