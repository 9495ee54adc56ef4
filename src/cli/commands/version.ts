import { readFileSync } from 'node:fs';
import { EXIT, type Command } from '../command.js';

/** The package version, read once from package.json so there is one place to bump it. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the Isthmus version',
  usage: 'isthmus version [-o json]',
  examples: ['isthmus version', 'isthmus version -o json'],
  options: { output: { type: 'string', short: 'o' } },
  async run(values, _pos, io) {
    if (values.output === 'json') io.out(JSON.stringify({ isthmus: VERSION, node: process.version }));
    else io.out(`isthmus ${VERSION} (node ${process.version})`);
    return EXIT.OK;
  },
};
