// The launcher's public face: `isthmus up` (the whole mesh with the demo) and `isthmus run`
// (any program with a sidecar), and the pieces their commands and tests need.
export { startMesh, type RunningMesh, type UpOptions } from './mesh-up.js';
export { runWithSidecar, SidecarFailedError, type RunOptions } from './run-with-sidecar.js';
export { resolveRunMesh, RunMeshError, type RunMesh, type RunMeshFlags } from './run-mesh.js';
export { readMeshInfo, type MeshInfo } from './mesh-info.js';
export { DEFAULT_BASE_PORT, DEFAULT_GATEWAY_PORT, upLayout, type UpLayout } from './layout.js';
export { PortInUseError, isPortFree } from './ports.js';
export { StateDirBusyError } from './state-dir.js';
export { NotReadyError } from './readiness.js';
export { BOOKINFO_WORKLOADS, BOOKINFO_EXAMPLES } from './bookinfo.js';
