// Draws the random sample of findings that a precision review judges by hand (docs/precision.md).
//
//   node out/scripts/precision-sample.js --out sample.md [--per-rule 12] [--seed 7] NAME=PATH ...
//
// Each NAME=PATH is a project (or a folder of revisions) of someone else's repository, checked out
// anywhere on disk. The script runs the built CLI (`bin/schema-warden lint --format json`, all rules)
// on each, then draws up to N findings per rule with a seeded shuffle, so that a review can be
// redrawn and checked. The sample file shows each finding under the lines it points at, with a
// `verdict:` line to fill in; it quotes other people's code and is for the reviewer's eyes only:
// docs/precision.md keeps the verdicts and the figures, never the code.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Finding {
  project: string;
  file: string;
  rule: string;
  name: string;
  line: number;
  endLine: number;
  message: string;
}

interface LintJson {
  files: {
    path: string;
    diagnostics: { rule: string; name: string; message: string; line: number; endLine: number }[];
  }[];
}

const repoRoot = path.resolve(__dirname, '..', '..');

function parseArgs(argv: string[]): { out: string; perRule: number; seed: number; projects: [string, string][] } {
  let out = '';
  let perRule = 12;
  let seed = 7;
  const projects: [string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out') out = argv[++i] ?? '';
    else if (arg === '--per-rule') perRule = Number(argv[++i]);
    else if (arg === '--seed') seed = Number(argv[++i]);
    else if (arg.includes('=')) {
      const at = arg.indexOf('=');
      projects.push([arg.slice(0, at), path.resolve(arg.slice(at + 1))]);
    } else throw new Error(`precision-sample: unknown argument ${arg}`);
  }
  if (!out || projects.length === 0 || !(perRule > 0)) {
    throw new Error('usage: precision-sample --out FILE [--per-rule N] [--seed S] NAME=PATH ...');
  }
  return { out, perRule, seed, projects };
}

function lintProject(name: string, target: string): Finding[] {
  const cli = path.join(repoRoot, 'bin', 'schema-warden');
  const run = spawnSync(process.execPath, [cli, 'lint', target, '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (run.status !== 0 && run.status !== 1) {
    process.stderr.write(`precision-sample: ${name}: lint exited ${run.status}\n${run.stderr}`);
    return [];
  }
  const report = JSON.parse(run.stdout) as LintJson;
  return report.files.flatMap((file) =>
    file.diagnostics.map((d) => ({
      project: name,
      file: path.resolve(file.path),
      rule: d.rule,
      name: d.name,
      line: d.line,
      endLine: d.endLine,
      message: d.message,
    })),
  );
}

/** mulberry32: a small seeded generator, so that the same seed draws the same sample. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function excerpt(finding: Finding, projectRoot: string): string {
  const lines = fs.readFileSync(finding.file, 'utf8').split('\n');
  const from = Math.max(1, finding.line - 6);
  const to = Math.min(lines.length, finding.endLine + 6);
  const body: string[] = [];
  for (let n = from; n <= to; n++) {
    const mark = n >= finding.line && n <= finding.endLine ? '>' : ' ';
    body.push(`${mark}${String(n).padStart(5)} ${lines[n - 1]}`);
  }
  return `${path.relative(projectRoot, finding.file)}:${finding.line}\n\`\`\`\n${body.join('\n')}\n\`\`\``;
}

function main(): void {
  const { out, perRule, seed, projects } = parseArgs(process.argv.slice(2));
  const findings = projects.flatMap(([name, target]) => lintProject(name, target));
  const roots = new Map(projects);
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const random = seededRandom(seed);
  const sections: string[] = [`# Precision sample (seed ${seed}, up to ${perRule} a rule)\n`];
  const counts: string[] = [];
  for (const rule of [...byRule.keys()].sort()) {
    const all = byRule.get(rule)!;
    const drawn = shuffled(all, random).slice(0, perRule);
    counts.push(`${rule} ${all[0]!.name}: ${all.length} findings, ${drawn.length} drawn`);
    sections.push(`## ${rule} ${all[0]!.name} (${all.length} findings)\n`);
    drawn.forEach((f, i) => {
      const root = roots.get(f.project)!;
      const base = fs.statSync(root).isDirectory() ? root : path.dirname(root);
      sections.push(`### ${rule}-${i + 1} ${f.project}\n${f.message}\n\n${excerpt(f, base)}\n\nverdict: ?\n`);
    });
  }
  fs.writeFileSync(out, sections.join('\n'));
  process.stdout.write(`${counts.join('\n')}\n${findings.length} findings in all; sample written to ${out}\n`);
}

main();
