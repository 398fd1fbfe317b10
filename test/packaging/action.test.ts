import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { installGlobally, packCli, REPO } from './packedCli';

// action.yml (#15): the composite action's lint step, run as the runner runs it (bash, the step's
// environment, GITHUB_OUTPUT) with the packed CLI installed into an empty prefix, on the demo in a
// git repository.

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Action {
  runs: { using: string; steps: Step[] };
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
}

describe('GitHub Action: action.yml lints with --format github and writes SARIF', function () {
  this.timeout(180_000);
  const action = parse(fs.readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as Action;
  let work: string;
  let prefix: string;

  before(() => {
    prefix = installGlobally(packCli().tarball);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-action-'));
    fs.cpSync(path.join(REPO, 'examples', 'demo'), path.join(work, 'repo'), { recursive: true });
    execFileSync('git', ['init', '-q', path.join(work, 'repo')]);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('is a composite action that installs the CLI and passes --changed BASE on pull requests', () => {
    assert.equal(action.runs.using, 'composite');
    for (const input of ['path', 'changed', 'base', 'sarif-file', 'args', 'version'])
      assert.ok(action.inputs[input], `input ${input}`);
    assert.equal(action.inputs.changed.default, 'true');
    const install = action.runs.steps.find((s) => s.name === 'Install the Schema Warden CLI');
    assert.match(install?.run ?? '', /npm install -g/);
    const lint = action.runs.steps.find((s) => s.id === 'lint');
    assert.match(lint?.run ?? '', /selection=\(--changed "\$SW_BASE"\)/);
    assert.match(lint?.run ?? '', /schema-warden lint --format github "\$\{selection\[@\]\}"/);
    assert.equal(action.outputs['sarif-file'].value, '${{ steps.lint.outputs.sarif-file }}');
  });

  it("the lint step prints workflow commands, writes SARIF, sets its output and fails on the demo's errors", () => {
    const lint = action.runs.steps.find((s) => s.id === 'lint') as Step;
    const sarif = path.join(work, 'schema-warden.sarif');
    const output = path.join(work, 'github-output');
    fs.writeFileSync(output, '');
    // As the runner runs `shell: bash`: bash --noprofile --norc -eo pipefail.
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', lint.run as string], {
      cwd: path.join(work, 'repo'),
      encoding: 'utf8',
      env: {
        PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
        HOME: work,
        GITHUB_OUTPUT: output,
        SW_PATHS: '',
        SW_CHANGED: 'true',
        SW_BASE: 'origin/main',
        SW_SARIF: sarif,
        SW_ARGS: '--select SW101,SW303',
        SW_EVENT: 'push',
      },
    });
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.ok(lines.length >= 2);
    for (const line of lines)
      assert.match(
        line,
        /^::error file=alembic\/versions\/\d{4}_[a-z_]+\.py,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=SW(101|303) [a-z-]+::/,
      );
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith('::error file=alembic/versions/0003_create_orders.py,') &&
          l.includes('title=SW101 require-downgrade::'),
      ),
    );
    const log = JSON.parse(fs.readFileSync(sarif, 'utf8')) as { runs: Array<{ results: unknown[] }> };
    assert.equal(log.runs[0].results.length, lines.length, 'the same findings in both');
    assert.equal(fs.readFileSync(output, 'utf8'), `sarif-file=${sarif}\n`);
  });
});
