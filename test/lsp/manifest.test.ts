// package.json's extension manifest against the code it describes: the settings the server reads,
// the commands the client registers, the grammar and walkthrough files it points to.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_RUNNER_SETTINGS,
  DEFAULT_SETTINGS,
  normalizeSettings,
  RUNNER_SETTINGS_SECTION,
  SETTINGS_SECTION,
} from '../../server/src/shared/settings';
import { REPO } from './lspSession';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  contributes: {
    commands: Array<{ command: string; title: string; category: string }>;
    configuration: { properties: Record<string, { default: unknown; type: unknown }> };
    grammars: Array<{ path: string; scopeName: string; injectTo: string[] }>;
    walkthroughs: Array<{
      steps: Array<{ id: string; media: { markdown?: string; image?: string; altText?: string } }>;
    }>;
  };
};

describe('extension manifest (package.json)', () => {
  it('declares exactly the settings the server and client read, with the same defaults', () => {
    const declared = Object.keys(manifest.contributes.configuration.properties).sort();
    const runner = Object.keys(DEFAULT_RUNNER_SETTINGS).map((k) => `${RUNNER_SETTINGS_SECTION}.${k}`);
    const expected = [
      ...Object.keys(DEFAULT_SETTINGS).map((k) => `${SETTINGS_SECTION}.${k}`),
      ...runner,
      `${SETTINGS_SECTION}.trace.server`,
    ].sort();
    assert.deepEqual(declared, expected);
    for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
      assert.deepEqual(manifest.contributes.configuration.properties[`${SETTINGS_SECTION}.${key}`].default, value, key);
    }
    for (const [key, value] of Object.entries(DEFAULT_RUNNER_SETTINGS)) {
      assert.deepEqual(
        manifest.contributes.configuration.properties[`${RUNNER_SETTINGS_SECTION}.${key}`].default,
        value,
        `runner.${key}`,
      );
    }
  });

  it('normalises what a client sends: wrong shapes become defaults, bad rule ids are dropped', () => {
    assert.deepEqual(normalizeSettings(null), DEFAULT_SETTINGS);
    const s = normalizeSettings({
      enable: 'no',
      severity: { SW101: 'info', SW1: 'off', SW102: 'loud' },
      postgresVersion: 9,
      revisionGlobs: ['a/*.py', 3],
      python: '  ',
    });
    assert.equal(s.enable, true);
    assert.deepEqual(s.severity, { SW101: 'info' });
    assert.equal(s.postgresVersion, null);
    assert.deepEqual(s.revisionGlobs, ['a/*.py']);
    assert.equal(s.python, null);
  });

  it('lists the commands of the one command table (client/src/commands.ts), all under "Schema Warden"', () => {
    const table = fs.readFileSync(path.join(REPO, 'client', 'src', 'commands.ts'), 'utf8');
    // `{ id: '…'` or, for the entries Prettier breaks over lines, `id: '…'` on a line of its own
    const registered = [...table.matchAll(/\bid: '(schemaWarden\.\w+)'/g)].map((m) => m[1]).sort();
    assert.equal(registered.length, 17);
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), registered);
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'Schema Warden');
  });

  it('activates on Alembic projects, is limited in untrusted workspaces, and its files exist', () => {
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/alembic.ini'));
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, [
      'schemaWarden.python',
      'schemaWarden.runner.url',
      'schemaWarden.runner.allowRemoteHosts',
      'schemaWarden.runner.dockerImage',
      'schemaWarden.runner.databaseUrlEnv',
      'schemaWarden.runner.metadata',
      'schemaWarden.runner.env',
      'schemaWarden.runner.flaskApp',
    ]);
    const grammar = manifest.contributes.grammars[0];
    assert.deepEqual(grammar.injectTo, ['source.python']);
    const file = JSON.parse(fs.readFileSync(path.join(REPO, grammar.path), 'utf8')) as { scopeName: string };
    assert.equal(file.scopeName, grammar.scopeName);
    // Every step shows a picture of the real editor (test/e2e/suite/screenshot.e2e.ts's scenes), said in words too.
    for (const step of manifest.contributes.walkthroughs[0].steps) {
      const image = step.media.image;
      assert.ok(image, `${step.id} has an image`);
      assert.equal(step.media.markdown, undefined, `${step.id}: a step shows an image or markdown, not both`);
      const file = path.join(REPO, image);
      assert.ok(fs.existsSync(file), image);
      assert.deepEqual([...fs.readFileSync(file).subarray(1, 4)], [...Buffer.from('PNG')], `${image} is a PNG`);
      assert.ok((step.media.altText ?? '').length > 40, `${step.id} says what its image shows`);
    }
  });
});
