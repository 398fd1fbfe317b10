// `schema-warden baseline [--write] [PATH...]`: prints the current head(s); with --write, records
// them as `baseline` in the configuration file the project already uses, editing only that key.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../config/config';
import { setTomlKey, TomlEditError } from '../../config/editToml';
import { initEngine } from '../../engine/analyze';
import { loadProjects } from '../../engine/loadProject';
import { writeFileAtomic } from '../../fixes/atomicWrite';
import { acceptedHistory } from '../../model/baseline';
import type { ProjectModel } from '../../model/project';
import { parseCommandArgs } from '../args';
import type { CliIo } from '../io';

export const BASELINE_USAGE = `Usage: schema-warden baseline [--write] [PATH...]

Prints the current head revision(s) of the Alembic projects (found from the current folder, or
in PATH). Recorded as \`baseline\`, they and every revision before them are the accepted history:
their own findings are not reported (revision-graph errors, SW107, still are), and they still
build the schema that newer revisions are checked against.

Options:
  --write      record the heads as \`baseline\` in the configuration file the project uses
               (pyproject.toml's [tool.schema-warden], added when missing, or schema-warden.toml),
               changing nothing else in the file
  -h, --help   this help

Exit codes: 0 done, 2 usage or configuration error, or no revision found.`;

export async function runBaselineCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('baseline', BASELINE_USAGE, argv, io, {
    write: { type: 'boolean', default: false },
  });
  if (typeof parsed === 'number') return parsed;
  await initEngine();
  let projects: ProjectModel[];
  try {
    const loaded = await loadProjects(parsed.positionals, io.cwd);
    for (const problem of loaded.problems) io.stderr(`schema-warden baseline: warning: ${problem}\n`);
    projects = loaded.projects.filter((p) => p.revisions.length > 0);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`schema-warden: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (projects.length === 0) {
    io.stderr('schema-warden baseline: no Alembic revision found; run it where `schema-warden lint` finds them.\n');
    return 2;
  }
  const heads = [...new Set(projects.flatMap((p) => p.graph.heads))];
  if (!parsed.values.write) {
    for (const head of heads) io.stdout(`${head}\n`);
    for (const project of projects) {
      const accepted = acceptedHistory(project);
      if (accepted.ids.length)
        io.stderr(
          `schema-warden baseline: configured now: ${accepted.ids.join(', ')} (${accepted.revisions.size} ` +
            `of ${project.revisions.length} revisions accepted in ` +
            `${path.relative(io.cwd, project.root) || '.'})\n`,
        );
    }
    return 0;
  }
  // One configuration file may serve several projects (plugins with their own histories): one write each.
  const byTarget = new Map<string, ProjectModel[]>();
  for (const project of projects) {
    const target = configTarget(project);
    byTarget.set(target, [...(byTarget.get(target) ?? []), project]);
  }
  for (const [file, group] of byTarget) {
    const ids = [...new Set(group.flatMap((p) => p.graph.heads))];
    const value = ids.length === 1 ? JSON.stringify(ids[0]) : `[${ids.map((id) => JSON.stringify(id)).join(', ')}]`;
    const pyproject = path.basename(file) === 'pyproject.toml';
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    let after: string;
    try {
      after = setTomlKey(before, pyproject ? ['tool', 'schema-warden'] : [], 'baseline', value);
    } catch (err) {
      if (!(err instanceof TomlEditError)) throw err;
      io.stderr(`schema-warden baseline: ${file}: ${err.message}. Nothing was written.\n`);
      return 2;
    }
    if (after !== before) writeFileAtomic(file, after);
    const count = group.reduce((n, p) => n + p.revisions.length, 0);
    io.stdout(
      `${after === before ? 'Already recorded' : 'Recorded'} baseline = ${value} in ${path.relative(io.cwd, file) || file}` +
        `${pyproject ? ' [tool.schema-warden]' : ''}: ${count} revision${count === 1 ? '' : 's'} ` +
        `accepted.\n`,
    );
  }
  return 0;
}

/**
 * The file the project's configuration comes from; with none, the pyproject.toml that the
 * configuration search would read (the nearest one up to the repository root), else a new
 * schema-warden.toml at the repository root (or beside the project outside a repository).
 */
function configTarget(project: ProjectModel): string {
  if (project.config.source) return project.config.source;
  for (let dir = path.resolve(project.root); ; dir = path.dirname(dir)) {
    const pyproject = path.join(dir, 'pyproject.toml');
    if (fs.existsSync(pyproject)) return pyproject;
    if (fs.existsSync(path.join(dir, '.git'))) return path.join(dir, 'schema-warden.toml');
    if (path.dirname(dir) === dir) return path.join(path.resolve(project.root), 'schema-warden.toml');
  }
}
