// Entry of the second client bundle, dist/runner.js: the migration runner's service, views and
// commands (with server/src/runner and, on first connection, pg). dist/client.js loads it the first
// time a runner view becomes visible, a runner command runs or the API's `runner` is read
// (client/src/lazyRunner.ts), so that activation loads only what the language client needs.
export { registerRunnerViews } from './views';
export * as commands from './runner/commands';
