/**
 * Command-line flags: each command declares its flags once; the same table drives parsing,
 * validation and `--help`.
 */

/** One `--flag`. Booleans take no value; the others take the next word or `--flag=value`. */
export interface FlagSpec {
  name: string;
  type: 'boolean' | 'string' | 'number' | 'integer';
  help: string;
  /** Allowed values (string flags). */
  choices?: readonly string[];
  default?: string | number | boolean;
  /** Name of the value in help, e.g. `N` or `PATH`. */
  value?: string;
}

/** Parsed flag values by flag name (defaults filled in). */
export type Flags = Record<string, string | number | boolean | undefined>;

/** Where a command writes. Tests pass their own to capture output. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /**
   * Writes text to stdout as is (no newline added), for streamed output. Optional: commands fall
   * back to `out` with the whole text at the end when it is missing.
   */
  write?(text: string): void;
}

/** A subcommand: `storygrad <name> [flags]`. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Longer text for `storygrad <name> --help`. */
  description?: string;
  flags: FlagSpec[];
  run(flags: Flags, io: CliIO): Promise<number>;
}

/** A mistake in the command line: reported in one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flags every command accepts. */
export const HELP_FLAG: FlagSpec = { name: 'help', type: 'boolean', help: 'show this help and exit' };

/** Parses `argv` (the words after the command name) against `specs`. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command?: string): Flags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags: Flags = {};
  for (const s of specs) if (s.default !== undefined) flags[s.name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-h') {
      flags.help = true;
      continue;
    }
    if (!word.startsWith('--') || word === '--') {
      throw new UsageError(`unexpected argument '${word}'`, command);
    }
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag '--${name}'`, command);
    if (spec.type === 'boolean') {
      if (eq >= 0) {
        const v = word.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} takes no value (or =true/=false), got '${v}'`, command);
        flags[name] = v === 'true';
      } else {
        flags[name] = true;
      }
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = word.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`--${name} needs a value (${spec.value ?? spec.type})`, command);
      }
      raw = next;
      i++;
    }
    flags[name] = convert(spec, raw, command);
  }
  return flags;
}

function convert(spec: FlagSpec, raw: string, command?: string): string | number {
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${spec.name} must be one of ${spec.choices.join('|')}, got '${raw}'`, command);
    }
    return raw;
  }
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${spec.name} needs a number, got '${raw}'`, command);
  if (spec.type === 'integer' && !Number.isInteger(n)) {
    throw new UsageError(`--${spec.name} needs an integer, got '${raw}'`, command);
  }
  return n;
}

/** Widest flag column of the help text; longer flags wrap. */
const HELP_COLUMN = 32;

/** The flag table as help text lines. */
export function formatFlags(specs: readonly FlagSpec[]): string[] {
  const left = specs.map((s) => {
    if (s.type === 'boolean') return `--${s.name}`;
    const v = s.choices ? s.choices.join('|') : (s.value ?? (s.type === 'string' ? 'VALUE' : 'N'));
    return `--${s.name} ${v}`;
  });
  // A flag too long for the column (a long list of choices) gets its help on the next line.
  const width = Math.min(HELP_COLUMN, Math.max(...left.map((l) => l.length)));
  return specs.map((s, i) => {
    const def = s.default !== undefined && s.type !== 'boolean' ? ` (default: ${s.default})` : '';
    const flag = left[i]!;
    return flag.length > width ? `  ${flag}\n  ${' '.repeat(width)}  ${s.help}${def}` : `  ${flag.padEnd(width)}  ${s.help}${def}`;
  });
}
