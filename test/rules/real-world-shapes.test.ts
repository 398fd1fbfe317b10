import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { engineReady } from '../support/engine';

/**
 * Constructs that real Alembic histories use every day (issue #13), one folder per construct under
 * test/fixtures/real-world-shapes/<slug>/:
 *   case.json  { "about": "one line: the construct", "rules": ["SW102"] }
 *   quiet/     a tiny Alembic project that must get no finding of those rules
 *   fires/     its twin, which must still get at least one finding of each of them
 * Both are linted with every rule by the CLI itself (`schema-warden lint --format json <dir>`), so
 * discovery, configuration and the engine are exercised as a user runs them.
 */
const SHAPES_DIR = path.resolve(__dirname, '../../../test/fixtures/real-world-shapes');

interface ShapeCase {
  about: string;
  rules: string[];
}

interface Diagnostic {
  rule: string;
  message: string;
  line: number;
}

interface Linted {
  code: number;
  stderr: string;
  diagnostics: Array<Diagnostic & { path: string }>;
}

async function lintFolder(dir: string): Promise<Linted> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd: dir,
    isTTY: false,
  };
  const code = await main(['lint', '--format', 'json', dir], io);
  if (code === 2) return { code, stderr, diagnostics: [] };
  const report = JSON.parse(stdout) as { files: Array<{ path: string; diagnostics: Diagnostic[] }> };
  return {
    code,
    stderr,
    diagnostics: report.files.flatMap((f) => f.diagnostics.map((d) => ({ ...d, path: f.path }))),
  };
}

function readCase(dir: string): ShapeCase {
  const file = path.join(dir, 'case.json');
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ShapeCase>;
  assert.equal(typeof parsed.about, 'string', `${file}: "about" is a one-line string`);
  assert.ok(
    Array.isArray(parsed.rules) && parsed.rules.length > 0 && parsed.rules.every((r) => /^SW\d{3}$/.test(r)),
    `${file}: "rules" lists rule ids such as "SW102"`,
  );
  return parsed as ShapeCase;
}

function show(diagnostics: Linted['diagnostics']): string {
  return diagnostics.map((d) => `  ${d.path}:${d.line} ${d.rule} ${d.message}`).join('\n') || '  (none)';
}

const slugs = fs.existsSync(SHAPES_DIR)
  ? fs
      .readdirSync(SHAPES_DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
  : [];

describe('real-world shapes (issue #13)', () => {
  before(() => engineReady);

  it('has cases, each with case.json, quiet/ and fires/', () => {
    assert.ok(slugs.length > 0, `no cases under ${SHAPES_DIR}`);
    for (const slug of slugs) {
      assert.match(slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${slug}: a short kebab-case name`);
      for (const part of ['case.json', 'quiet', 'fires'])
        assert.ok(fs.existsSync(path.join(SHAPES_DIR, slug, part)), `${slug}/${part} is missing`);
      // Each twin is a project root of its own (a pyproject.toml marks it), or the repository's root
      // would be: its decision records, application code and models would be read with it.
      for (const twin of ['quiet', 'fires'])
        assert.ok(
          fs.existsSync(path.join(SHAPES_DIR, slug, twin, 'pyproject.toml')),
          `${slug}/${twin}/pyproject.toml is missing`,
        );
    }
  });

  for (const slug of slugs) {
    const dir = path.join(SHAPES_DIR, slug);
    if (!fs.existsSync(path.join(dir, 'case.json'))) continue;
    const shape = readCase(dir);
    describe(`${slug}: ${shape.about}`, () => {
      it(`quiet/ gets no finding of ${shape.rules.join(', ')}`, async () => {
        const linted = await lintFolder(path.join(dir, 'quiet'));
        assert.notEqual(linted.code, 2, `the CLI could not lint quiet/:\n${linted.stderr}`);
        const about = linted.diagnostics.filter((d) => shape.rules.includes(d.rule));
        assert.deepEqual(about, [], `expected no finding of ${shape.rules.join(', ')}, got:\n${show(about)}`);
      });

      it(`fires/ gets a finding of each of ${shape.rules.join(', ')}`, async () => {
        const linted = await lintFolder(path.join(dir, 'fires'));
        assert.notEqual(linted.code, 2, `the CLI could not lint fires/:\n${linted.stderr}`);
        for (const rule of shape.rules)
          assert.ok(
            linted.diagnostics.some((d) => d.rule === rule),
            `expected a finding of ${rule}, got:\n${show(linted.diagnostics)}`,
          );
        // No message shows a placeholder for a name the engine could not read.
        for (const d of linted.diagnostics.filter((d) => shape.rules.includes(d.rule)))
          assert.doesNotMatch(d.message, /(^|[\s"'(])\?\./, `${d.rule}: ${d.message}`);
      });
    });
  }
});
