import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDecisionRecord } from '../../server/src/decisions/scaffold';
import { shippedPackages } from '../../scripts/licenses';

const ROOT = path.resolve(__dirname, '../../..');

function filesUnder(dir: string, ext: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(full, ext);
    return ext.test(e.name) ? [full] : [];
  });
}

/**
 * Shell strings: `shell: true`, `exec`/`execSync` (which run a command line through a shell) and
 * `child_process.exec`. execFile/spawn with argument arrays are what the code uses instead.
 * Returns "file:line: text" for each hit.
 */
function shellHits(files: readonly string[]): string[] {
  const patterns = [
    /\bshell\s*:\s*(?:true|!0)\b/,
    /\bexecSync\s*\(/,
    /(?<![.\w])exec\s*\(/,
    /\bchild_process\s*\.\s*exec\b(?!File|Sync)/,
    /\bchild_process\.execSync\b/,
    /["']child_process["']\)\.exec\b(?!File)/,
  ];
  const hits: string[] = [];
  for (const file of files) {
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // A regex's exec (`/x/.exec(s)`, `re.exec(s)`) is not a process.
        if (patterns.some((p) => p.test(line)))
          hits.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim().slice(0, 160)}`);
      });
  }
  return hits;
}

describe('security: no shell strings, safe decision slugs, audited dependencies', function () {
  this.timeout(120_000);

  it('the sources run no command through a shell', () => {
    const sources = [
      ...filesUnder(path.join(ROOT, 'server/src'), /\.ts$/),
      ...filesUnder(path.join(ROOT, 'client/src'), /\.ts$/),
    ];
    assert.ok(sources.length > 50, `${sources.length} source files`);
    assert.deepEqual(shellHits(sources), []);
  });

  it('the built bundles dist/*.js run no command through a shell', () => {
    const bundles = ['server.js', 'client.js', 'runner.js', 'cli.js'].map((f) => path.join(ROOT, 'dist', f));
    const missing = bundles.filter((b) => !fs.existsSync(b));
    assert.deepEqual(
      missing.map((m) => path.relative(ROOT, m)),
      [],
      'dist/ bundles are missing: run `npm run build` first',
    );
    // Bundled dependencies are checked too; minified code writes `shell:!0`.
    const hits = shellHits(bundles).filter(
      (h) => !/\bexecFile(?:Sync)?\s*\(/.test(h) || /shell\s*:\s*(?:true|!0)/.test(h),
    );
    assert.deepEqual(hits, []);
  });

  it('the checker itself finds shell strings (it is not vacuous)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-shell-'));
    try {
      const file = path.join(dir, 'bad.ts');
      fs.writeFileSync(
        file,
        "spawn('git', ['log'], { shell: true });\nexecSync('rm -rf ' + " +
          "dir);\nrequire('child_process').exec(cmd);\nconst m = /x/.exec(s);\nexecFile('git', " +
          "['status']);\n",
      );
      assert.equal(shellHits([file]).length, 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('decision titles become safe file names', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-slugs-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const titles = [
      '../../etc/passwd',
      '..',
      '../..',
      '/etc/passwd',
      'C:\\Windows\\system32',
      'a/b\\c',
      'x'.repeat(5000),
      'Ünïcödé — 日本語 🚀',
      '.hidden',
      'NUL',
      'con.md',
      '\u0000null\u0000byte',
      '%2e%2e%2f',
    ];
    for (const title of titles) {
      it(`${JSON.stringify(title.slice(0, 40))} stays inside the decisions folder`, () => {
        const created = createDecisionRecord({
          decisionsDir: dir,
          title,
          rules: ['SW303'],
          revisions: [],
          date: '2026-01-01',
        });
        assert.equal(path.dirname(created.path), dir);
        assert.match(path.basename(created.path), /^\d{4}-[a-z0-9]+(?:-[a-z0-9]+)*\.md$/);
        assert.ok(path.basename(created.path).length <= 4 + 1 + 48 + 3);
        assert.deepEqual(fs.readdirSync(dir), [path.basename(created.path)]);
      });
    }

    it('an empty or blank title is refused and writes nothing', () => {
      for (const title of ['', '   ', '\n\t']) {
        assert.throws(() => createDecisionRecord({ decisionsDir: dir, title, rules: [], revisions: [] }), /title/);
      }
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it('the same title twice never overwrites: the second record takes the next number', () => {
      const first = createDecisionRecord({
        decisionsDir: dir,
        title: '../same',
        rules: [],
        revisions: [],
        date: '2026-01-01',
      });
      const firstText = fs.readFileSync(first.path, 'utf8');
      const second = createDecisionRecord({
        decisionsDir: dir,
        title: '../same',
        rules: [],
        revisions: [],
        date: '2026-01-01',
      });
      assert.notEqual(second.path, first.path);
      assert.equal(fs.readFileSync(first.path, 'utf8'), firstText);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['0001-same.md', '0002-same.md']);
    });

    it('a record never replaces a file planted under its name (symlink included)', () => {
      const outside = path.join(os.tmpdir(), `sw-slug-target-${process.pid}`);
      fs.writeFileSync(outside, 'precious\n');
      try {
        fs.symlinkSync(outside, path.join(dir, '0001-planted.md'));
        const created = createDecisionRecord({
          decisionsDir: dir,
          title: 'planted',
          rules: [],
          revisions: [],
          date: '2026-01-01',
        });
        assert.equal(path.basename(created.path), '0002-planted.md');
        assert.equal(fs.readFileSync(outside, 'utf8'), 'precious\n');
      } finally {
        fs.rmSync(outside, { force: true });
      }
    });
  });

  it('npm audit: no high or critical advisory in what ships (the bundled packages)', function () {
    // The shipped libraries are bundled, so they are dev dependencies: audit the whole tree and
    // keep the advisories of the packages in the bundles (dist/bundled-packages.json).
    const shipped = new Set(shippedPackages().map((p) => p.name));
    let out: string;
    let stderr = '';
    try {
      out = execFileSync('npm', ['audit', '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      // npm audit exits 1 when it finds advisories: its JSON is still on stdout.
      out = (err as { stdout?: string }).stdout ?? '';
      stderr = String((err as { stderr?: string }).stderr ?? '');
    }
    let report: {
      metadata?: { vulnerabilities?: Record<string, number> };
      vulnerabilities?: Record<string, { severity: string; name: string }>;
      error?: { code?: string; summary?: string };
      message?: string;
    };
    try {
      report = JSON.parse(out);
    } catch {
      report = {};
    }
    if (!report.metadata?.vulnerabilities) {
      const reason =
        report.message ??
        report.error?.summary ??
        (stderr.split('\n').find((l) => /error|ERR|audit/.test(l) && !/Unknown user config/.test(l)) ||
          out ||
          'no answer');
      console.log(
        `      skipped: the npm registry did not answer the audit: ${reason.slice(0, 160).replace(/\s+/g, ' ')}`,
      );
      this.skip();
    }
    const counts = report.metadata?.vulnerabilities ?? {};
    const serious = Object.values(report.vulnerabilities ?? {})
      .filter((v) => shipped.has(v.name) && (v.severity === 'high' || v.severity === 'critical'))
      .map((v) => `${v.name}: ${v.severity}`);
    assert.deepEqual(serious, [], `npm audit (all, bundled packages kept): ${JSON.stringify(counts)}`);
  });
});
