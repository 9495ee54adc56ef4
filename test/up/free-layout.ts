// A base port for `isthmus up` whose whole layout is free right now (below the ephemeral range,
// so no outgoing connection takes one before the processes bind them).
import { BOOKINFO_WORKLOADS, isPortFree, upLayout } from '../../src/launcher/index.js';

export async function freeUpPorts(): Promise<{ base: number; gateway: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 200 * Math.floor(Math.random() * 60);
    const gateway = base + 180;
    const layout = upLayout(base, gateway, BOOKINFO_WORKLOADS);
    const free = await Promise.all(layout.claims.map((c) => isPortFree(c.port)));
    if (free.every(Boolean)) return { base, gateway };
  }
  throw new Error('no free block of ports for isthmus up');
}
