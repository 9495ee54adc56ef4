// stdio: log entries (and optionally metrics) as one JSON line each, to stdout/stderr or a file
// rotated by size.
import { z } from 'zod';
import { obj } from '../../../api/fields/common.js';

export const LOG_STREAMS = ['STDOUT', 'STDERR', 'FILE', 'ROTATED_FILE'] as const;
export const SEVERITY_LEVELS = ['INFO', 'WARNING', 'ERROR'] as const;

export const stdioParams = obj({
  logStream: z.enum(LOG_STREAMS).optional(),
  outputPath: z.string().min(1).optional(),
  /** ROTATED_FILE: rotate once the file reaches this size (default 100). */
  maxMegabytesBeforeRotation: z.number().int().min(1).optional(),
  /** ROTATED_FILE: keep this many old files, NAME.1 … NAME.N (default 1000). */
  maxRotatedFiles: z.number().int().min(0).optional(),
  /** Only JSON is written; false is rejected rather than silently ignored. */
  outputAsJson: z.literal(true, { message: 'only JSON output is supported' }).optional(),
  /** Maps an instance's severity text to a level. */
  severityLevels: z.record(z.string(), z.enum(SEVERITY_LEVELS)).optional(),
}).superRefine((p, ctx) => {
  const stream = p.logStream ?? 'STDOUT';
  if ((stream === 'FILE' || stream === 'ROTATED_FILE') && !p.outputPath) {
    ctx.addIssue({ code: 'custom', path: ['outputPath'], message: `logStream ${stream} needs outputPath`, params: { hint: 'set outputPath to the log file, e.g. /var/log/mixer/access.log', code: 'MISSING_FIELD' } });
  }
});
export type StdioParams = z.output<typeof stdioParams>;
