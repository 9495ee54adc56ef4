// `isthmus`: parses the subcommand and its flags, runs it, and maps errors to exit codes.
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, EXIT, UsageError, type Command, type Io } from './command.js';
import { loadAllCommands, loadCommand } from './commands/index.js';
import { VERSION, versionCommand } from './commands/version.js';

const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    const cmd = topic ? await loadCommand(topic) : undefined;
    io.out(cmd ? commandHelp(cmd) : await overview());
    return topic && !cmd ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version') return versionCommand.run({}, [], io);
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.err(`error: unknown command "${name}"\n\n${await overview()}`);
    return EXIT.USAGE;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...COMMON_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
    if (values.help) {
      io.out(commandHelp(cmd));
      return EXIT.OK;
    }
    return await cmd.run(values, positionals, io);
  } catch (e) {
    // parseArgs reports unknown or malformed flags with these codes.
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${(e as Error).message}\nusage: ${cmd.usage}\n(see: isthmus help ${cmd.name})`);
      return EXIT.USAGE;
    }
    const typed = e as { code?: string; message: string };
    io.err(`error${typed.code ? ` [${typed.code}]` : ''}: ${typed.message}`);
    return EXIT.FAILURE;
  }
}

async function overview(): Promise<string> {
  const commands = await loadAllCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `isthmus ${VERSION} — an Istio-compatible service mesh`,
    '',
    'Usage: isthmus COMMAND [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "isthmus help COMMAND" or "isthmus COMMAND --help" for flags and examples.',
    'Exit codes: 0 ok, 1 failed (invalid config, not found, conflict), 2 bad command line, 79 analyze found errors.',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const flags = Object.entries({ ...cmd.options, ...COMMON_OPTIONS }).map(
    ([long, o]) => `  ${o.short ? `-${o.short}, ` : '    '}--${long}${o.type === 'string' ? ' VALUE' : ''}${o.multiple ? ' (repeatable)' : ''}`,
  );
  return [`${cmd.summary}.`, '', `Usage: ${cmd.usage}`, '', 'Flags:', ...flags, '', 'Examples:', ...cmd.examples.map((e) => `  ${e}`)].join('\n');
}
