// The scope of every contributed setting (issue #14, point 9): settings that choose something of
// the machine the extension host runs on (an interpreter path, a database host, the kind of
// database to start, a Docker image) are `machine-overridable`, so that in a remote window (SSH,
// WSL, dev container, code-server) they come from the remote machine's settings or the workspace,
// never from the local user's settings, which name paths of another machine. Settings about the
// project itself (paths relative to the project root, module names, rule choices) stay `resource`.
// Every setting is listed here: a new one fails until its scope is decided.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './lspSession';

type Scope = 'application' | 'machine' | 'machine-overridable' | 'window' | 'resource' | 'language-overridable';

const EXPECTED: Record<string, { scope: Scope; why: string }> = {
  'schemaWarden.python': {
    scope: 'machine-overridable',
    why: 'a path to an interpreter on the machine that runs Alembic; a workspace may name its .venv',
  },
  'schemaWarden.runner.target': {
    scope: 'machine-overridable',
    why: 'whether Docker or local PostgreSQL binaries exist is a property of the machine',
  },
  'schemaWarden.runner.url': {
    scope: 'machine-overridable',
    why: 'a host as seen from the machine that connects (127.0.0.1 is another machine remotely)',
  },
  'schemaWarden.runner.allowRemoteHosts': { scope: 'machine-overridable', why: 'goes with runner.url' },
  'schemaWarden.runner.dockerImage': {
    scope: 'machine-overridable',
    why: 'an image of the Docker engine the machine reaches',
  },
  'schemaWarden.cacheDir': {
    scope: 'resource',
    why: 'a folder relative to the project root, shared with `schema-warden lint` run in that project',
  },
  'schemaWarden.runner.flaskApp': {
    scope: 'resource',
    why: "FLASK_APP's syntax: an import string or a file relative to the project root, the same on every machine",
  },
  'schemaWarden.runner.metadata': { scope: 'resource', why: 'module:attribute of the project' },
  'schemaWarden.runner.databaseUrlEnv': { scope: 'resource', why: "a variable name the project's env.py reads" },
  'schemaWarden.runner.env': { scope: 'resource', why: "which env.py runs: the project's or the built-in one" },
  'schemaWarden.runner.keepGoing': { scope: 'resource', why: 'how verification reports' },
  'schemaWarden.decisionsDir': { scope: 'resource', why: 'relative to the project root' },
  'schemaWarden.revisionGlobs': { scope: 'resource', why: 'relative to the project root' },
  'schemaWarden.enable': { scope: 'resource', why: 'per folder' },
  'schemaWarden.severity': { scope: 'resource', why: 'per folder' },
  'schemaWarden.postgresVersion': { scope: 'resource', why: "the project's PostgreSQL" },
  'schemaWarden.trace.server': { scope: 'window', why: "the window's language client" },
};

interface Property {
  scope?: Scope;
}

function contributedSettings(): Record<string, Property> {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    contributes: {
      configuration: { properties: Record<string, Property> } | Array<{ properties: Record<string, Property> }>;
    };
  };
  const sections = manifest.contributes.configuration;
  return Object.assign({}, ...(Array.isArray(sections) ? sections : [sections]).map((s) => s.properties)) as Record<
    string,
    Property
  >;
}

describe('package.json: setting scopes (machine paths work in remote windows)', () => {
  const settings = contributedSettings();

  it('every contributed setting has its scope decided here, and declares it', () => {
    assert.deepEqual(Object.keys(settings).sort(), Object.keys(EXPECTED).sort());
    for (const [name, property] of Object.entries(settings))
      assert.ok(property.scope, `${name} declares a scope (the default, window, is never meant here)`);
  });

  for (const [name, { scope, why }] of Object.entries(EXPECTED)) {
    it(`${name} is ${scope}: ${why}`, () => {
      assert.equal(settings[name]?.scope, scope);
    });
  }

  it('no setting is machine-only: a workspace may still set a machine path (e.g. its own .venv)', () => {
    // `machine` would ignore the workspace's value; `machine-overridable` lets it win.
    assert.deepEqual(
      Object.entries(settings)
        .filter(([, p]) => p.scope === 'machine')
        .map(([name]) => name),
      [],
    );
  });
});
