import { loadPaths } from '../../api/index.js';
import { analyze, hasErrors, type AnalysisMessage } from '../../analyze/index.js';
import { CONFIG_DIR_OPTION, EXIT, configDir, oneOfFlag, type Command } from '../command.js';
import { toYaml } from '../output.js';

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'Validate resources and check them against each other',
  usage: 'isthmus analyze [FILE|DIR …] [-o text|json|yaml] [--config-dir DIR]',
  examples: [
    'isthmus analyze samples/bookinfo/networking/',
    'isthmus analyze vs.yaml dr.yaml -o json',
    'isthmus analyze            # the config store directory',
  ],
  options: { output: { type: 'string', short: 'o' }, ...CONFIG_DIR_OPTION },
  async run(values, positionals, io) {
    const format = oneOfFlag(values, 'output', ['text', 'json', 'yaml'], 'text');
    const paths = positionals.length > 0 ? positionals : [configDir(values)];
    const messages = analyze(await loadPaths(paths));
    if (format === 'json') io.out(JSON.stringify(messages, null, 2));
    else if (format === 'yaml') io.out(messages.length ? toYaml(messages) : '[]');
    else io.out(messages.length ? messages.map(formatText).join('\n') : '✔ No validation issues found when analyzing the given resources.');
    return hasErrors(messages) ? EXIT.ANALYSIS_ERRORS : EXIT.OK;
  },
};

/** One line per message, in istioctl's shape: `Error [CODE] (Resource file:line) text`. */
function formatText(m: AnalysisMessage): string {
  const where = [m.resource, m.file && (m.line ? `${m.file}:${m.line}` : m.file)].filter(Boolean).join(' ');
  return `${m.severity} [${m.code}]${where ? ` (${where})` : ''} ${m.message}`;
}
