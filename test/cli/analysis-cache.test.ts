import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { writeSyntheticHistory } from '../../bench/synthetic';
import type { CliIo } from '../../server/src/cli/io';
import { main } from '../../server/src/cli/main';
import { VERSION } from '../../server/src/cli/version';
import { AnalysisCache } from '../../server/src/engine/cache/analysisCache';
import { lintProject } from '../../server/src/engine/lint';
import { loadProjects } from '../../server/src/engine/loadProject';
import { engineReady } from '../support/engine';

/**
 * The analysis cache (#16): a run with a filled cache reports exactly what a cold run does, and
 * whatever the cache holds (truncated or corrupt entries, another version's entries, two writers
 * at once, a folder that cannot be written) leaves the run correct.
 */

const REPO = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(REPO, 'dist', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function lint(cwd: string, ...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    isTTY: false,
  };
  const code = await main(['lint', '--format', 'json', ...args], io);
  return { code, stdout, stderr };
}

const made: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-cache-'));
  made.push(dir);
  return dir;
}

function copyDemo(): string {
  const dir = tempDir();
  fs.cpSync(path.join(REPO, 'examples', 'demo'), dir, { recursive: true });
  fs.rmSync(path.join(dir, '.schema-warden-cache'), { recursive: true, force: true });
  return dir;
}

function entries(cacheDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else out.push(file);
    }
  };
  walk(cacheDir);
  return out;
}

function entryFiles(cacheDir: string, kind: 'index' | 'model' | 'findings' | 'pack' | 'schema'): string[] {
  return entries(cacheDir).filter((f) => f.includes(`${path.sep}${kind}${path.sep}`) && f.endsWith('.bin'));
}

/**
 * A revision appended to a history: makes late_table.code NOT NULL, which SW105 reports unless an
 * ancestor already created the column NOT NULL.
 */
function notNullRevision(id: string, down: string): string {
  return `"""late_table.code required

Why: every writer sets it since the last release.
"""
from alembic import op

revision = "${id}"
down_revision = "${down}"


def upgrade():
    op.alter_column("late_table", "code", nullable=False)


def downgrade():
    op.alter_column("late_table", "code", nullable=True)
`;
}

describe('analysis cache (#16)', function () {
  this.timeout(120_000);
  before(() => engineReady);
  after(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the demo exactly the findings of --no-cache, and writes .schema-warden-cache with its .gitignore', async () => {
    const demo = copyDemo();
    const cold = await lint(demo, '--no-cache');
    assert.ok(!fs.existsSync(path.join(demo, '.schema-warden-cache')), '--no-cache writes nothing');
    const filling = await lint(demo);
    const filled = await lint(demo);
    assert.equal(filling.stdout, cold.stdout);
    assert.equal(filled.stdout, cold.stdout);
    assert.equal(filled.code, cold.code);
    assert.equal(filled.stderr, cold.stderr);
    assert.ok(JSON.parse(cold.stdout).files.some((f: { diagnostics: unknown[] }) => f.diagnostics.length > 0));
    assert.equal(fs.readFileSync(path.join(demo, '.schema-warden-cache', '.gitignore'), 'utf8').split('\n')[1], '*');
    assert.ok(entryFiles(path.join(demo, '.schema-warden-cache'), 'model').length >= 4);
    // One file named, its project cached: the report of a cold run on that file.
    const file = path.join('alembic', 'versions', '0003_create_orders.py');
    assert.equal((await lint(demo, file)).stdout, (await lint(demo, '--no-cache', file)).stdout);
  });

  it('re-parses the one revision edited and re-checks it and its descendants only, with the findings of a cold run', async () => {
    const dir = tempDir();
    writeSyntheticHistory(dir, 60);
    const versions = path.join(dir, 'alembic', 'versions');
    const cache = (): AnalysisCache => new AnalysisCache({ version: VERSION });
    const first = cache();
    const loaded = await loadProjects([dir], dir, { cache: first });
    const [project] = loaded.projects;
    const head = project.graph.heads[0];
    fs.writeFileSync(path.join(versions, 'zz_late_table_code.py'), notNullRevision('zz0001', head));
    // Fill the cache with the history as it is.
    const filling = cache();
    const before = lintProject((await loadProjects([dir], dir, { cache: filling })).projects[0], {
      revisionFindings: filling,
    });
    filling.flush();
    const newestFile = path.join(versions, 'zz_late_table_code.py');
    assert.ok(
      (before.get(newestFile) ?? []).some((f) => f.ruleId === 'SW105'),
      'SW105 while no ancestor creates the column NOT NULL',
    );

    // Edit revision 40: it now creates late_table with code NOT NULL, so the newest revision's change is no change.
    const edited = path.join(versions, 'r00040_step_40.py');
    const text = fs.readFileSync(edited, 'utf8');
    const upgrade = text.indexOf('def upgrade()');
    const body = text.indexOf('\n', upgrade) + 1;
    fs.writeFileSync(
      edited,
      `${text.slice(0, body)}    op.create_table("late_table", sa.Column("code", sa.Text(), nullable=False))\n${text.slice(body)}`,
    );

    const warm = cache();
    const warmProject = (await loadProjects([dir], dir, { cache: warm })).projects[0];
    const warmFindings = lintProject(warmProject, { revisionFindings: warm });
    const coldProject = (await loadProjects([dir], dir)).projects[0];
    const coldFindings = lintProject(coldProject);
    assert.deepEqual(Object.fromEntries(warmFindings), Object.fromEntries(coldFindings));

    assert.equal(warm.stats.modelsBuilt, 1, 'only the edited revision is parsed');
    assert.equal(warm.stats.modelsRead, 60);
    // Per revision: the file's own rules (run again for the edited file only), the rules that
    // read the ancestors and SW602, which also reads the later revisions' VALIDATEs (run again for
    // revision 40, the ones after it and the new head); and the two graph-wide rules that read the
    // schema at the heads (SW207, SW501).
    const order = warmProject.graph.order;
    const descendants = order.length - order.indexOf('r00040');
    assert.equal(warm.stats.findingsRun, 1 + 2 * descendants + 2);
    const newest = warmFindings.get(newestFile) ?? [];
    assert.ok(
      !newest.some((f) => f.ruleId === 'SW105'),
      `the descendant was re-checked against the edited ancestor: ${newest.map((f) => f.ruleId).join(', ')}`,
    );
  });

  it('reports what --no-cache does after each kind of change: a revision in the middle, an ancestor, the configuration, a guard module, a decision record, git', async function () {
    this.timeout(240_000);
    const dir = tempDir();
    writeSyntheticHistory(dir, 60);
    const versions = path.join(dir, 'alembic', 'versions');
    const revisionFile = (n: number): string => path.join(versions, `r${String(n).padStart(5, '0')}_step_${n}.py`);
    const addToUpgrade = (file: string, lines: string): void => {
      const text = fs.readFileSync(file, 'utf8');
      const body = text.indexOf('\n', text.indexOf('def upgrade()')) + 1;
      fs.writeFileSync(file, `${text.slice(0, body)}${lines}${text.slice(body)}`);
    };
    let previous = '';
    /** The filled cache's run against a cold one, after a change that must change the report. */
    const sameAsCold = async (change: string): Promise<void> => {
      const cold = await lint(dir, '--no-cache');
      const warm = await lint(dir);
      assert.equal(warm.stdout, cold.stdout, `${change}: the report`);
      assert.equal(warm.stderr, cold.stderr, `${change}: standard error`);
      assert.equal(warm.code, cold.code, `${change}: the exit code`);
      assert.notEqual(cold.stdout, previous, `${change} changes the report (or this case tests nothing)`);
      previous = cold.stdout;
      // And again with the entries this run wrote.
      assert.equal((await lint(dir)).stdout, cold.stdout, `${change}: the next run`);
    };
    const git = (...args: string[]): void => {
      const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
    };

    // A guard module of the application, and a revision that reads it: while it tests MySQL, the
    // drop_table below it is for another database.
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'app', '__init__.py'), '');
    const guard = path.join(dir, 'app', 'db.py');
    fs.writeFileSync(
      guard,
      'from alembic import op\n\n\ndef is_other():\n    return op.get_bind().dialect.name == "mysql"\n',
    );
    const guarded = revisionFile(20);
    fs.writeFileSync(
      guarded,
      fs.readFileSync(guarded, 'utf8').replace('import logging\n', 'import logging\n\nfrom app.db import is_other\n'),
    );
    addToUpgrade(guarded, '    if is_other():\n        op.drop_table("entity_3")\n');
    // A waiver that names decision 0001, and the record.
    const waived = revisionFile(30);
    addToUpgrade(waived, '    # schema-warden: allow SW104 decision=0001\n    op.drop_table("entity_4")\n');
    const record = path.join(dir, 'docs', 'decisions', '0001-drop-entity-4.md');
    fs.mkdirSync(path.dirname(record), { recursive: true });
    fs.writeFileSync(
      record,
      '---\nid: "0001"\ntitle: Drop entity_4\nstatus: accepted\ndate: 2026-01-01\nrules: [SW104]\nrevisions: [r00030]\n---\n\n## Context\n\nNobody reads it.\n\n## Decision\n\nDrop it.\n',
    );
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.schema-warden]\ndecisions-dir = "docs/decisions"\n');
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'history');
    await sameAsCold('the history as committed');

    addToUpgrade(revisionFile(35), '    op.drop_column("entity_12", "name")\n');
    await sameAsCold('a revision in the middle edited');

    addToUpgrade(revisionFile(2), '    op.add_column("entity_1", sa.Column("late", sa.Text(), nullable=False))\n');
    await sameAsCold('an ancestor edited');

    // SW602 on revision 12 reads the revisions after it: a later VALIDATE changes its findings.
    addToUpgrade(
      revisionFile(12),
      '    op.create_check_constraint("ck_entity_1_id", "entity_1", "id IS NOT NULL", postgresql_not_valid=True)\n',
    );
    await sameAsCold('a constraint added NOT VALID and never validated');
    addToUpgrade(revisionFile(45), '    op.execute("ALTER TABLE entity_1 VALIDATE CONSTRAINT ck_entity_1_id")\n');
    await sameAsCold('a later revision validates it');

    fs.appendFileSync(path.join(dir, 'pyproject.toml'), 'severity = { SW201 = "error" }\n');
    await sameAsCold('the configuration changed');

    fs.writeFileSync(
      guard,
      'from alembic import op\n\n\ndef is_other():\n    return op.get_bind().dialect.name == "postgresql"\n',
    );
    await sameAsCold('the guard module the revision imports changed');

    fs.writeFileSync(record, fs.readFileSync(record, 'utf8').replace('status: accepted', 'status: proposed'));
    await sameAsCold('the decision record behind a waiver changed');

    git('add', '-A');
    git('commit', '-qm', 'edits');
    await sameAsCold('committed: SW108 sees revisions changed after their children were committed');

    addToUpgrade(revisionFile(50), '    op.drop_column("entity_13", "name")\n');
    await sameAsCold('SW108: an uncommitted edit of a revision with a committed child');

    fs.writeFileSync(
      path.join(versions, 'zz_second_head.py'),
      notNullRevision('zz0002', 'r00040').replace('late_table', 'entity_5').replace('late_table', 'entity_5'),
    );
    await sameAsCold('SW107: a second head');
  });

  it('replays from the stored schema of the nearest checkpoint, decoding only what it replays, with the findings of a cold run', async () => {
    const dir = tempDir();
    writeSyntheticHistory(dir, 150);
    const versions = path.join(dir, 'alembic', 'versions');
    const revisionFile = (n: number): string => path.join(versions, `r${String(n).padStart(5, '0')}_step_${n}.py`);
    const warmRun = async (): Promise<{ cache: AnalysisCache; findings: unknown }> => {
      const cache = new AnalysisCache({ version: VERSION, schemas: true });
      const project = (await loadProjects([dir], dir, { cache })).projects[0];
      const findings = Object.fromEntries(lintProject(project, { revisionFindings: cache }));
      cache.flush();
      return { cache, findings };
    };
    const cold = async (): Promise<unknown> =>
      Object.fromEntries(lintProject((await loadProjects([dir], dir)).projects[0]));
    await warmRun(); // fills the cache, the schemas after revision 99 and the head's parent with it
    const cacheDir = path.join(dir, '.schema-warden-cache');
    assert.ok(entryFiles(cacheDir, 'schema').length >= 2, 'schemas stored');

    // The newest revision edited: its parent's schema is read back, no ancestor is decoded.
    fs.appendFileSync(revisionFile(149), '\n# edited\n');
    const newest = await warmRun();
    assert.deepEqual(newest.findings, await cold());
    assert.ok(newest.cache.stats.schemasRead >= 1);
    assert.ok(newest.cache.stats.modelsDecoded <= 5, `${newest.cache.stats.modelsDecoded} models decoded`);

    // A new revision on top: the old head is replayed from its parent's schema. (One that alters a
    // column reads the whole history instead: SW105 looks for the column's definition there.)
    fs.writeFileSync(
      path.join(versions, 'zz_on_top.py'),
      notNullRevision('zz0003', 'r00149')
        .replace(
          'op.alter_column("late_table", "code", nullable=False)',
          'op.create_index("ix_entity_7_code", "entity_7", ["code"])',
        )
        .replace('op.alter_column("late_table", "code", nullable=True)', 'op.drop_index("ix_entity_7_code")'),
    );
    const onTop = await warmRun();
    assert.deepEqual(onTop.findings, await cold());
    assert.ok(onTop.cache.stats.modelsDecoded <= 5, `${onTop.cache.stats.modelsDecoded} models decoded`);

    // Revision 120 edited: replayed from revision 99's schema (at most its 20 ancestors since then
    // and its 29 descendants are decoded), the descendants re-checked.
    const text = fs.readFileSync(revisionFile(120), 'utf8');
    const body = text.indexOf('\n', text.indexOf('def upgrade()')) + 1;
    fs.writeFileSync(
      revisionFile(120),
      `${text.slice(0, body)}    op.add_column("entity_7", sa.Column("late", sa.Text(), nullable=False))\n${text.slice(body)}`,
    );
    const middle = await warmRun();
    assert.deepEqual(middle.findings, await cold());
    assert.ok(middle.cache.stats.schemasRead >= 1);
    assert.ok(
      middle.cache.stats.modelsDecoded < 60,
      `${middle.cache.stats.modelsDecoded} models decoded after revision 120 was edited`,
    );

    // Damaged schema entries are replayed from further up, or from the root.
    for (const file of entryFiles(cacheDir, 'schema')) {
      const data = fs.readFileSync(file);
      data[data.length - 5] ^= 0xff;
      fs.writeFileSync(file, data);
    }
    fs.appendFileSync(revisionFile(130), '\n# edited\n');
    const damaged = await warmRun();
    assert.deepEqual(damaged.findings, await cold());
    assert.equal(damaged.cache.stats.schemasRead, 0);
  });

  it('keeps the cache where cache-dir or --cache-dir says, and --no-cache with --cache-dir is a usage error', async () => {
    const demo = copyDemo();
    const pyproject = path.join(demo, 'pyproject.toml');
    fs.appendFileSync(pyproject, 'cache-dir = "build/sw-cache"\n');
    const cold = await lint(demo, '--no-cache');
    assert.equal((await lint(demo)).stdout, cold.stdout);
    assert.ok(entryFiles(path.join(demo, 'build', 'sw-cache'), 'model').length >= 4);
    assert.ok(!fs.existsSync(path.join(demo, '.schema-warden-cache')));
    const elsewhere = path.join(tempDir(), 'given');
    assert.equal((await lint(demo, '--cache-dir', elsewhere)).stdout, cold.stdout);
    assert.ok(fs.existsSync(path.join(elsewhere, '.gitignore')));
    const both = await lint(demo, '--no-cache', '--cache-dir', elsewhere);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--no-cache and --cache-dir/);
  });

  it('rebuilds truncated and corrupt entries without a word', async () => {
    const demo = copyDemo();
    const cold = await lint(demo, '--no-cache');
    await lint(demo);
    const cacheDir = path.join(demo, '.schema-warden-cache');
    const models = [...entryFiles(cacheDir, 'model'), ...entryFiles(cacheDir, 'index')];
    const findings = [...entryFiles(cacheDir, 'findings'), ...entryFiles(cacheDir, 'pack')];
    for (const file of models) fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    for (const file of findings) {
      const data = fs.readFileSync(file);
      data[data.length - 3] ^= 0xff; // one flipped byte in the payload
      fs.writeFileSync(file, data);
    }
    fs.writeFileSync(models[0], ''); // and an empty one
    const after = await lint(demo);
    assert.equal(after.stdout, cold.stdout);
    assert.equal(after.stderr, cold.stderr, 'nothing is said about the entries it rebuilt');
    // Rewritten whole: the next run reads them (same bytes as a fresh entry of the same key).
    const again = await lint(demo);
    assert.equal(again.stdout, cold.stdout);
    for (const file of models) assert.ok(fs.statSync(file).size > 100, `${file} rewritten`);
  });

  it('stays correct with a damaged pack: its findings unreadable, its table of offsets wrong, or the file cut short', async () => {
    const dir = tempDir();
    writeSyntheticHistory(dir, 40);
    const cacheDir = path.join(dir, '.schema-warden-cache');
    const newest = path.join(dir, 'alembic', 'versions', 'r00039_step_39.py');
    const original = fs.readFileSync(newest, 'utf8');
    /** The pack's header, and its payload as pack.ts writes it (one blob, a table of offsets). */
    const readPackFile = (file: string) => {
      const data = fs.readFileSync(file);
      const headerEnd = data.indexOf(10);
      const payload = data.subarray(data.indexOf(10, headerEnd + 1) + 1);
      const pack = v8.deserialize(payload) as { ids: string[]; ends: number[]; blob: Uint8Array };
      return { header: data.subarray(0, headerEnd).toString('utf8'), pack };
    };
    /** Writes a pack with a valid header and checksum: only its contents are damaged. */
    const writePackFile = (file: string, header: string, pack: unknown): void => {
      const payload = v8.serialize(pack);
      const sum = crypto.createHash('sha256').update(payload).digest('hex');
      fs.writeFileSync(file, Buffer.concat([Buffer.from(`${header}\n${sum}\n`), payload]));
    };
    const damages: Record<string, (file: string) => void> = {
      'every findings set in it unreadable': (file) => {
        const { header, pack } = readPackFile(file);
        const blob = Buffer.from(pack.blob);
        let start = 0;
        pack.ids.forEach((id, i) => {
          if (id.startsWith('findings:')) blob.fill(0, start, pack.ends[i]);
          start = pack.ends[i];
        });
        assert.ok(
          pack.ids.some((id) => id.startsWith('findings:')),
          'the pack holds findings',
        );
        writePackFile(file, header, { ...pack, blob });
      },
      'its table of offsets past the end of its blob': (file) => {
        const { header, pack } = readPackFile(file);
        writePackFile(file, header, { ...pack, ends: pack.ends.map((end) => end * 2 + 1) });
      },
      'the file cut short': (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 3)),
    };
    let n = 0;
    for (const [damage, apply] of Object.entries(damages)) {
      fs.writeFileSync(newest, original);
      await lint(dir);
      await lint(dir); // the pack holds what this history's runs use
      const [pack] = entryFiles(cacheDir, 'pack');
      assert.ok(pack, 'a pack was written');
      apply(pack);
      // One revision edited too, as between two runs while writing a new revision.
      fs.writeFileSync(newest, `${original}\n# edit ${n++}\n`);
      const cold = await lint(dir, '--no-cache');
      const warm = await lint(dir);
      assert.equal(warm.stdout, cold.stdout, `${damage}: the report`);
      assert.equal(warm.stderr, cold.stderr, `${damage}: nothing is said`);
      assert.equal(warm.code, cold.code, `${damage}: the exit code`);
      // The damaged pack was replaced: the next run reads it whole, with the same report.
      const cache = new AnalysisCache({ version: VERSION });
      const project = (await loadProjects([dir], dir, { cache })).projects[0];
      lintProject(project, { revisionFindings: cache });
      assert.equal(cache.stats.modelsBuilt, 0, `${damage}: nothing parsed after the pack was rewritten`);
      assert.equal(cache.stats.findingsRun, 0, `${damage}: nothing checked again`);
      assert.equal((await lint(dir)).stdout, cold.stdout, `${damage}: the run after`);
    }
  });

  it('parses a revision again when its model entry is damaged but its index entry is whole, once the model is read', async function () {
    if (!fs.existsSync(CLI)) this.skip(); // a process of its own: the parsers are not loaded when the damage is found
    const demo = copyDemo();
    await spawnLint(demo);
    const cacheDir = path.join(demo, '.schema-warden-cache');
    // Every model entry damaged; the index entries, findings and the pack are whole.
    const damaged = new Map<string, number>();
    for (const file of entryFiles(cacheDir, 'model')) {
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
      damaged.set(file, fs.statSync(file).size);
    }
    // Editing the newest revision makes its ancestors' schema needed, and with no stored schema
    // to start from, their models are read.
    for (const file of entryFiles(cacheDir, 'schema')) fs.rmSync(file);
    fs.appendFileSync(path.join(demo, 'alembic', 'versions', '0004_touch_updated_at.py'), '\n# edited\n');
    const cold = await spawnLint(demo, '--no-cache');
    const run = await spawnLint(demo);
    assert.equal(run.stdout, cold.stdout);
    assert.equal(run.code, cold.code);
    assert.equal(run.stderr, cold.stderr, 'nothing is said about the models it parsed again');
    const rewritten = [...damaged].filter(([file, size]) => fs.statSync(file).size > size);
    assert.ok(rewritten.length >= 3, `the three ancestors' models were parsed and stored again (${rewritten.length})`);
  });

  it("never uses another version's entries", async () => {
    const demo = copyDemo();
    const load = async (version: string): Promise<AnalysisCache> => {
      const cache = new AnalysisCache({ version });
      const project = (await loadProjects([demo], demo, { cache })).projects[0];
      lintProject(project, { revisionFindings: cache });
      cache.flush();
      return cache;
    };
    const older = await load('0.0.9');
    assert.equal(older.stats.modelsRead, 0);
    const current = await load(VERSION);
    assert.equal(current.stats.modelsRead, 0, "the other version's models are not read");
    assert.equal(current.stats.findingsRead, 0, 'nor its findings');
    assert.ok(current.stats.modelsBuilt >= 4);
    // An entry rewritten to claim another version at this version's path is not trusted either.
    for (const file of entries(path.join(demo, '.schema-warden-cache')).filter((f) => f.endsWith('.bin'))) {
      const data = fs.readFileSync(file, 'latin1');
      fs.writeFileSync(file, data.replace(` ${current.engineId} `, ' 0.0.9+unbundled '), 'latin1');
    }
    const again = await load(VERSION);
    assert.equal(again.stats.modelsRead, 0);
    assert.equal((await lint(demo)).stdout, (await lint(demo, '--no-cache')).stdout);
  });

  it('stays correct when two CLI processes fill the same cache at once', async function () {
    if (!fs.existsSync(CLI)) this.skip(); // needs the bundle: npm run build
    const dir = tempDir();
    writeSyntheticHistory(dir, 120);
    const cold = await spawnLint(dir, '--no-cache');
    const [a, b] = await Promise.all([spawnLint(dir), spawnLint(dir)]);
    for (const run of [a, b]) {
      assert.equal(run.code, cold.code);
      assert.equal(run.stdout, cold.stdout);
      assert.equal(run.stderr, cold.stderr);
    }
    const cacheDir = path.join(dir, '.schema-warden-cache');
    assert.deepEqual(
      entries(cacheDir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file is left behind',
    );
    const filled = await spawnLint(dir);
    assert.equal(filled.stdout, cold.stdout);
  });

  it('never uses a cache folder committed to git: forged entries that hide findings are not read, and it says so once', async () => {
    const demo = copyDemo();
    const git = (...args: string[]) =>
      spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: demo,
        encoding: 'utf8',
      });
    assert.equal(git('init', '-q').status, 0);
    const cold = await lint(demo, '--no-cache');
    assert.match(cold.stdout, /"SW101"/, 'the demo has findings to hide');
    await lint(demo); // fills .schema-warden-cache
    // Forge every findings entry as "no findings", with a valid header and checksum.
    const cacheDir = path.join(demo, '.schema-warden-cache');
    const forged = entries(cacheDir).filter((f) => f.includes(`${path.sep}findings${path.sep}`));
    assert.ok(forged.length > 0, 'findings entries were written');
    // The pack holds copies of the small entries (engine/cache/pack.ts): without it, the entry files are read.
    for (const file of entryFiles(cacheDir, 'pack')) fs.rmSync(file);
    for (const file of forged) {
      const data = fs.readFileSync(file);
      const header = data.subarray(0, data.indexOf(10)).toString('utf8');
      const payload = v8.serialize([]);
      const sum = crypto.createHash('sha256').update(payload).digest('hex');
      fs.writeFileSync(file, Buffer.concat([Buffer.from(`${header}\n${sum}\n`), payload]));
    }
    // The threat is real: a forged cache the run trusts hides the findings...
    const fooled = await lint(demo);
    assert.doesNotMatch(fooled.stdout, /"SW101"/, 'forged entries are read when the folder is not committed');
    // ...so a folder committed to the repository (forced past its own .gitignore) is not used.
    assert.equal(git('add', '-f', '.schema-warden-cache').status, 0);
    assert.equal(git('commit', '-qm', 'a cache that hides findings').status, 0);
    const run = await lint(demo);
    assert.equal(run.stdout, cold.stdout);
    assert.equal(run.code, cold.code);
    const extra = run.stderr.split('\n').filter((l) => !cold.stderr.includes(l));
    assert.equal(extra.length, 1, run.stderr);
    assert.match(extra[0], /holds files committed to git, so it is neither read nor written/);
  });

  it('says one line when the cache cannot be written at all, and the findings stay right', async () => {
    const demo = copyDemo();
    const cold = await lint(demo, '--no-cache');
    // A folder that cannot be created (a file stands in its path): unwritable even for root.
    const blocker = path.join(demo, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    const run = await lint(demo, '--cache-dir', path.join(blocker, 'cache'));
    assert.equal(run.stdout, cold.stdout);
    assert.equal(run.code, cold.code);
    const extra = run.stderr.split('\n').filter((l) => !cold.stderr.includes(l));
    assert.equal(extra.length, 1, run.stderr);
    assert.match(extra[0], /analysis cache .*could not be written/);
  });

  it('reads a filled cache in a read-only folder without a word, and says one line when it cannot store an edit', async function () {
    const demo = copyDemo();
    await lint(demo);
    const cacheDir = path.join(demo, '.schema-warden-cache');
    const undo = makeReadOnly(cacheDir);
    if (!undo) this.skip(); // neither a read-only mount (root) nor permissions (others) available
    try {
      assert.throws(() => fs.writeFileSync(path.join(cacheDir, 'probe'), ''), 'the folder is read-only');
      const cold = await lint(demo, '--no-cache');
      const run = await lint(demo);
      assert.equal(run.stdout, cold.stdout);
      assert.equal(run.stderr, cold.stderr, 'nothing to write, nothing said');

      fs.appendFileSync(path.join(demo, 'alembic', 'versions', '0001_create_account.py'), '\n# edited\n');
      const coldAfterEdit = await lint(demo, '--no-cache');
      const edited = await lint(demo);
      assert.equal(edited.stdout, coldAfterEdit.stdout);
      const extra = edited.stderr.split('\n').filter((l) => l !== '' && !coldAfterEdit.stderr.includes(l));
      assert.equal(extra.length, 1, edited.stderr);
      assert.match(extra[0], /analysis cache .*could not be written/);
    } finally {
      undo?.();
    }
  });
});

/**
 * Makes a folder read-only and returns how to undo it: a read-only bind mount for root (whom
 * permissions do not stop), permissions for anyone else; undefined when neither is possible.
 */
function makeReadOnly(dir: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    const dirs = [dir, ...entries(dir).map((f) => path.dirname(f))];
    for (const d of new Set(dirs)) fs.chmodSync(d, 0o555);
    return () => {
      for (const d of new Set(dirs)) fs.chmodSync(d, 0o755);
    };
  }
  const bind = spawnSync('mount', ['--bind', dir, dir]);
  if (bind.status !== 0) return undefined;
  const ro = spawnSync('mount', ['-o', 'remount,bind,ro', dir]);
  const unmount = (): void => void spawnSync('umount', [dir]);
  if (ro.status !== 0) {
    unmount();
    return undefined;
  }
  return unmount;
}

function spawnLint(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'lint', '--format', 'json', ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
