/**
 * `storygrad <command> [flags]`. Commands live in ./commands/, one file each, listed in
 * ./commands/index.ts. `main` returns the exit code: 0 ok, 1 failure, 2 bad command line.
 */
import { formatFlags, HELP_FLAG, parseFlags, UsageError, type CliIO, type Command } from './args.js';
import { COMMANDS } from './commands/index.js';
import { storygradVersion } from './version.js';

export type { CliIO, Command, FlagSpec, Flags } from './args.js';
export { COMMANDS } from './commands/index.js';

const stdout = (globalThis as { process?: { stdout?: { write?: (s: string) => unknown } } }).process?.stdout;
const consoleIO: CliIO = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  ...(typeof stdout?.write === 'function' ? { write: (text: string) => void stdout.write!(text) } : {}),
};

const GLOBAL_FLAGS = [HELP_FLAG, { name: 'version', type: 'boolean' as const, help: 'print the storygrad version and exit' }];


function usage(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'storygrad — tensors, autograd and transformers on WebGPU',
    '',
    'Usage: storygrad <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Flags:',
    ...formatFlags(GLOBAL_FLAGS),
    '',
    "Run 'storygrad <command> --help' for a command's flags.",
  ];
}

/** Help text of one command. */
export function commandHelp(cmd: Command): string[] {
  return [
    `Usage: storygrad ${cmd.name}${cmd.flags.length ? ' [flags]' : ''}`,
    '',
    cmd.description ?? cmd.summary,
    '',
    'Flags:',
    ...formatFlags([...cmd.flags, HELP_FLAG]),
  ];
}

/** Runs the CLI on `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const [first, ...rest] = argv;
  let cmd: Command | undefined;
  try {
    if (first === undefined) {
      usage().forEach((l) => io.err(l));
      return 2;
    }
    if (first.startsWith('-')) {
      const g = parseFlags(argv, GLOBAL_FLAGS);
      if (g.version) {
        io.out(storygradVersion());
        return 0;
      }
      usage().forEach((l) => io.out(l));
      return 0;
    }
    if (first === 'help') {
      if (rest.length === 0) {
        usage().forEach((l) => io.out(l));
        return 0;
      }
      const target = COMMANDS.find((c) => c.name === rest[0]);
      if (!target || rest.length > 1) throw new UsageError(`unknown command '${rest.join(' ')}'`);
      commandHelp(target).forEach((l) => io.out(l));
      return 0;
    }
    cmd = COMMANDS.find((c) => c.name === first);
    if (!cmd) throw new UsageError(`unknown command '${first}'`);
    const flags = parseFlags(rest, [...cmd.flags, HELP_FLAG], cmd.name);
    if (flags.help) {
      commandHelp(cmd).forEach((l) => io.out(l));
      return 0;
    }
    return await cmd.run(flags, io);
  } catch (e) {
    if (e instanceof UsageError) {
      const where = e.command ? `storygrad ${e.command} --help` : 'storygrad --help';
      io.err(`storygrad: ${e.message} (see '${where}')`);
      return 2;
    }
    // Expected failures (no adapter, bad file) read best as one line; STORYGRAD_DEBUG=1 adds the stack.
    const debug = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.STORYGRAD_DEBUG;
    const text = (e instanceof Error ? (debug && e.stack ? e.stack : e.message) : String(e)).replace(/^storygrad: /, '');
    io.err(`storygrad${cmd ? ' ' + cmd.name : ''}: ${text}`);
    return 1;
  }
}
