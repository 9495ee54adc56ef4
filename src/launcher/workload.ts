// A workload the launcher runs: a program and the identity its sidecar registers for it.
export interface WorkloadSpec {
  service: string;
  version: string;
  /** Program and arguments; "node" is this Node binary, paths are relative to the repository. */
  program: string[];
  env?: Record<string, string>;
  /** Istio's pod service account; Bookinfo's are bookinfo-<service>. */
  serviceAccount?: string;
  /** Answers 200 once the program serves (default /health, as Bookinfo's services). */
  healthPath?: string;
}

export function workloadName(w: WorkloadSpec): string {
  return `${w.service}-${w.version}`;
}
