/**
 * The sub-commands other than `lint`, in a bundle of their own (dist/cliCommands.js, see
 * scripts/bundle.mjs). `schema-warden lint` on one file, run by pre-commit hooks and editors' save
 * hooks once per file, then does not read and compile the language server, the migration runner and
 * the `pg` client (about a third of the CLI's code) only to never run them.
 */
export { runBaselineCommand } from './commands/baseline';
export { runDecision } from './decision';
export { runServer } from '../lsp/cli';
export { runVerifyCommand } from './commands/verify';
export { runDbCommand } from './commands/db';
