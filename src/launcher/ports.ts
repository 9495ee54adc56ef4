// Ports the launcher hands to its processes. Every port is checked before anything starts, so a
// conflict is one clear message naming the port, who wanted it and the flag that moves it,
// instead of a process that dies half-way through start-up.
import * as net from 'node:net';

export interface PortClaim {
  port: number;
  /** Who takes it, in words: "reviews v2 sidecar inbound". */
  owner: string;
  /** The flag that picks another, e.g. "--gateway-port N". */
  flag: string;
}

export class PortInUseError extends Error {
  readonly code = 'PORT_IN_USE';
  constructor(readonly claim: PortClaim) {
    super(`port ${claim.port} (${claim.owner}) is already in use on 127.0.0.1; stop what holds it or choose other ports with ${claim.flag}`);
  }
}

/** Resolves when 127.0.0.1:`port` can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws PortInUseError for the first claim whose port is taken (or claimed twice). */
export async function assertPortsFree(claims: readonly PortClaim[]): Promise<void> {
  const seen = new Map<number, PortClaim>();
  for (const c of claims) {
    const twice = seen.get(c.port);
    if (twice) throw new PortInUseError({ ...c, owner: `${c.owner}, and also ${twice.owner}` });
    seen.set(c.port, c);
  }
  const free = await Promise.all(claims.map((c) => isPortFree(c.port)));
  const taken = claims.find((_, i) => !free[i]);
  if (taken) throw new PortInUseError(taken);
}

/** A port the OS reports free now (for one-off processes such as `isthmus run`'s sidecar). */
export function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
