// The fault filter's response rate limit: a body Transform that lets at most `kbps` KiB through
// per second, in slices released every 50 ms (Envoy refills its stream limiter on the same
// cadence). It only ever slows a response down; it never buffers more than one input chunk.
import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

const TICK_MS = 50;

export function throttleTransform(kbps: number): Transform {
  const perTick = Math.max(1, Math.floor((kbps * 1024 * TICK_MS) / 1000));
  let nextAt = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
      void (async () => {
        for (let off = 0; off < chunk.length; off += perTick) {
          const wait = nextAt - performance.now();
          if (wait > 0) await sleep(wait);
          if (this.destroyed) return;
          this.push(chunk.subarray(off, off + perTick));
          nextAt = Math.max(performance.now(), nextAt) + TICK_MS;
        }
        done();
      })().catch(done);
    },
  });
}
