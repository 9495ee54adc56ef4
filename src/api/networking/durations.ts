// Durations in traffic policies: Istio's ValidateDuration wants at least 1ms and whole
// milliseconds, because Envoy's cluster settings are millisecond-granular.
import { duration, parseDuration } from '../fields/common.js';

export function policyDuration(opts: { allowZero?: boolean } = {}) {
  return duration().superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) return; // duration() already said why
    if (ms === 0 && opts.allowZero) return;
    if (ms < 1) {
      ctx.addIssue({ code: 'custom', message: `duration "${text}" is too short`, params: { hint: opts.allowZero ? 'use "0s" to disable it, or at least 1ms' : 'use at least 1ms' } });
    } else if (!Number.isInteger(Math.round(ms * 1e6) / 1e6)) {
      ctx.addIssue({ code: 'custom', message: `duration "${text}" is finer than a millisecond`, params: { hint: 'Istio supports durations to millisecond precision only' } });
    }
  });
}
