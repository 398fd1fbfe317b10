import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };

// smol-toml ships a CommonJS build (dist/index.cjs) but only ESM-flavoured type declarations,
// so the types are taken in import mode and the code is required.
const toml = require('smol-toml') as typeof SmolToml;

export const parseToml: typeof SmolToml.parse = toml.parse;
