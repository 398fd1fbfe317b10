import { parseArgs } from 'node:util';

/** What a command writes its usage and errors to (CliIo and the runner commands' CommandIo both fit). */
interface UsageIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean };

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

/**
 * Every command's argument preamble in one place: parses `argv` with the command's options plus
 * `-h/--help`; a malformed command line prints the error and the usage to stderr (exit 2), `--help`
 * prints the usage to stdout (exit 0). Returns the parsed arguments, or the exit code when the
 * command is done.
 */
export function parseCommandArgs<const O extends Record<string, OptionSpec>>(
  command: string,
  usage: string,
  argv: string[],
  io: UsageIo,
  options: O,
  allowPositionals = true,
) {
  let parsed;
  try {
    parsed = parseArgs<{ args: string[]; allowPositionals: boolean; strict: true; options: O & typeof HELP }>({
      args: argv,
      allowPositionals,
      strict: true,
      options: { ...options, ...HELP },
    });
  } catch (err) {
    io.stderr(`schema-warden ${command}: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  return parsed;
}
