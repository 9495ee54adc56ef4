// denier: answers every check with its configured status.
import type { Adapter, AdapterEnv } from '../adapter.js';
import { parseDuration } from '../../../api/fields/duration.js';
import { CODE } from '../status.js';
import type { DenierParams } from './params.js';

export function createDenier(p: DenierParams, env: AdapterEnv): Adapter {
  const status = { code: p.status?.code ?? CODE.PERMISSION_DENIED, message: p.status?.message ?? `denied by ${env.handler}` };
  const validDurationMs = p.validDuration !== undefined ? (parseDuration(p.validDuration) as number) : 5000;
  const validUseCount = p.validUseCount ?? 1000;
  return { check: () => ({ status, validDurationMs, validUseCount }) };
}
