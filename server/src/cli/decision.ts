import * as path from 'node:path';
import { parseCommandArgs } from './args';
import { ConfigError } from '../config/config';
import { projectDecisionsDir } from '../engine/loadProject';
import { loadDecisionRecords } from '../decisions/parse';
import { createDecisionRecord } from '../decisions/scaffold';
import { ruleById } from '../rules';
import type { CliIo } from './io';

export const DECISION_USAGE = `Usage:
  schema-warden decision new --rule SW303 [--rule SW304] [--revision ID...] --title "…" [--waive FILE:LINE]
  schema-warden decision list [--format text|json]

Decision records document deviations from the policy (docs/decisions/NNNN-slug.md, or the
\`decisions-dir\` setting). \`new\` writes the next free number (safe when several run at once)
with status "proposed" and the five sections to fill in; \`--waive FILE:LINE\` also writes the
waiver comment \`# schema-warden: allow SW303 decision=NNNN\` above that line. Without
--revision the record covers every revision ("*").

Options:
  --rule ID          a rule the decision allows (repeat, or comma-separate)
  --revision ID      a revision the decision covers (repeat, or comma-separate)
  --title TEXT       the decision's title
  --waive FILE:LINE  insert the waiver comment above LINE (1-based) of FILE
  --dir DIR          the decisions folder (default: from the configuration)
  --format FORMAT    list: text (default) or json
  -h, --help         this help`;

function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export async function runDecision(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    io.stdout(DECISION_USAGE + '\n');
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'new' && sub !== 'list') {
    io.stderr(`schema-warden decision: unknown sub-command "${sub}"\n\n${DECISION_USAGE}\n`);
    return 2;
  }
  const parsed = parseCommandArgs(
    `decision ${sub}`,
    DECISION_USAGE,
    rest,
    io,
    {
      rule: { type: 'string', multiple: true },
      revision: { type: 'string', multiple: true },
      title: { type: 'string' },
      waive: { type: 'string' },
      dir: { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
    false,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  let decisionsDir: string;
  try {
    decisionsDir = values.dir ? path.resolve(io.cwd, values.dir) : projectDecisionsDir(io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`schema-warden: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return sub === 'list'
    ? listDecisions(decisionsDir, values.format as string, io)
    : newDecision(decisionsDir, values, io);
}

function listDecisions(decisionsDir: string, format: string, io: CliIo): number {
  if (format !== 'text' && format !== 'json') {
    io.stderr(`schema-warden decision list: --format must be text or json, not "${format}"\n`);
    return 2;
  }
  const records = loadDecisionRecords(decisionsDir).map((r) => ({
    id: r.id?.value ?? r.fileNumber ?? '',
    status: r.status?.value ?? null,
    title: r.title?.value ?? null,
    rules: r.rules.map((x) => x.value),
    revisions: r.revisions.map((x) => x.value),
    expires: r.expires?.value ?? null,
    path: path.relative(io.cwd, r.path) || r.path,
  }));
  if (format === 'json') {
    io.stdout(JSON.stringify({ decisionsDir: path.relative(io.cwd, decisionsDir) || '.', records }, null, 2) + '\n');
    return 0;
  }
  if (records.length === 0) {
    io.stdout(`No decision records in ${path.relative(io.cwd, decisionsDir) || decisionsDir}.\n`);
    return 0;
  }
  const statusWidth = Math.max(6, ...records.map((r) => (r.status ?? '?').length));
  for (const r of records) {
    io.stdout(
      `${r.id.padEnd(4)}  ${(r.status ?? '?').padEnd(statusWidth)}  ${r.title ?? '(no title)'}${r.rules.length ? `  [${r.rules.join(', ')}]` : ''}\n`,
    );
  }
  return 0;
}

function newDecision(
  decisionsDir: string,
  values: { rule?: string[]; revision?: string[]; title?: string; waive?: string },
  io: CliIo,
): number {
  const fail = (message: string): number => {
    io.stderr(`schema-warden decision new: ${message}\n`);
    return 2;
  };
  const rules = splitList(values.rule).map((id) => id.toUpperCase());
  if (rules.length === 0) return fail('name at least one rule with --rule (e.g. --rule SW303)');
  const unknown = rules.filter((id) => ruleById(id) === undefined);
  if (unknown.length) return fail(`unknown rule ${unknown.join(', ')} (see docs/rules/README.md for the list)`);
  const title = values.title?.trim();
  if (!title) return fail('give the decision a title with --title "…"');
  const revisions = splitList(values.revision);
  const bad = revisions.filter((r) => r !== '*' && !/^[\w.-]+$/.test(r));
  if (bad.length) return fail(`"${bad[0]}" is not a revision id`);
  let insertWaiver: { file: string; line: number } | undefined;
  if (values.waive !== undefined) {
    const match = /^(.+):(\d+)$/.exec(values.waive);
    if (!match) return fail(`--waive takes FILE:LINE, not "${values.waive}"`);
    insertWaiver = { file: path.resolve(io.cwd, match[1]), line: Number(match[2]) };
  }
  let created;
  try {
    created = createDecisionRecord({
      decisionsDir,
      title,
      rules: rules.map((id) => ruleById(id)?.meta.id ?? id),
      revisions,
      insertWaiver,
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  io.stdout(
    `Created ${path.relative(io.cwd, created.path) || created.path} (decision ${created.id}, status: proposed). Fill in its sections and have it accepted.\n`,
  );
  if (created.waiver)
    io.stdout(
      `Inserted \`${created.waiver.text}\` at ${path.relative(io.cwd, created.waiver.file)}:${created.waiver.line}.\n`,
    );
  return 0;
}
