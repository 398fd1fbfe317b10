// What editors start (bundled to dist/serverLauncher.js): the language server's bundle,
// dist/server.js beside it, loaded with V8's code cache kept between runs (cli/codeCache.ts), as
// bin/schema-warden loads dist/cli.js. The server's 1.9 MB are then not compiled again at every
// start of the editor. The transport still comes from the command line (lsp/main.ts): the VS Code
// client forks this file with `--node-ipc`; other editors run it (or `schema-warden server
// --stdio`) with `--stdio`. SCHEMA_WARDEN_CODE_CACHE=off compiles it afresh, as `node
// dist/server.js` does.
import * as path from 'node:path';
import { requireWithCodeCache } from '../cli/codeCache';

requireWithCodeCache(path.join(__dirname, 'server.js'));
