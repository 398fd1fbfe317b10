import { processIo, type CliIo } from './io';
import { LINT_USAGE, runLint } from './lint';
import { VERSION } from './version';

const USAGE = `schema-warden ${VERSION} — holds Alembic migrations to your data-architecture policy

Usage:
  schema-warden lint [PATH...]        lint revisions (see: schema-warden lint --help)
  schema-warden baseline [--write]    print the head(s); --write accepts the history up to them
  schema-warden verify [options]      round-trip every revision on an ephemeral PostgreSQL
  schema-warden db start|stop|status  a local PostgreSQL for the runner
  schema-warden decision new|list     decision records under docs/decisions/
  schema-warden server --stdio        the language server, for any LSP editor
  schema-warden --version`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

/**
 * One table of sub-commands; each module owns its flags and help. All but `lint` are loaded when
 * run, from their own bundle (cli/rareCommands.ts): the language server, the runner and the `pg`
 * client would otherwise be read, compiled and initialised on every `schema-warden lint`.
 */
const rare = (): typeof import('./rareCommands') => require('./rareCommands') as typeof import('./rareCommands');
const COMMANDS: Record<string, () => Command> = {
  lint: () => runLint,
  baseline: () => rare().runBaselineCommand,
  decision: () => rare().runDecision,
  server: () => rare().runServer,
  verify: () => rare().runVerifyCommand,
  db: () => rare().runDbCommand,
};

export function registerCommand(name: string, command: Command): void {
  COMMANDS[name] = () => command;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V') {
    io.stdout(VERSION + '\n');
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command]() : undefined;
  if (!run) {
    io.stderr(`schema-warden: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    io.stderr(`schema-warden ${command}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 2;
  }
}

export { LINT_USAGE };

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
