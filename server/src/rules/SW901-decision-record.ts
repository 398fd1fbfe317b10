import { validateDecisionRecords } from '../decisions/validate';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'SW901',
    name: 'decision-record',
    severity: 'error',
    scope: 'decision',
    readsSql: false,
    policySection: 'Enforcement and Deviations',
    policyClause:
      'Any deviation from these data architecture rules requires a DECISION under docs/decisions/ including rollback and monitoring plans.',
    docs: {
      summary: 'Every decision record has valid front matter and all five sections the policy asks for, filled in.',
      whatItDoes:
        'Checks every `NNNN-slug.md` in the decisions folder (`decisions-dir`, default ' +
        "`docs/decisions`): front matter that is valid YAML with `id` (matching the file's number), " +
        '`title`, `status` (proposed, accepted or superseded), `date` and optional `expires` ' +
        '(YYYY-MM-DD), `rules` (existing rule ids) and `revisions` (revision ids or `*`); the ' +
        'sections `## Context`, `## Decision`, `## Impact analysis`, `## Rollback plan` and `## ' +
        "Monitoring plan`, none empty or holding only the template's prompt; and ids used by one " +
        'record only.',
      whyBad:
        'A waiver is only as good as the decision behind it: a record without an impact analysis, a ' +
        'rollback plan or a monitoring plan does not document the deviation the policy allows, and ' +
        'a record with a wrong id or status makes waivers point at the wrong thing.',
      bad:
        '---\nid: "0007"\ntitle: Allow cascade on audit rows\nstatus: approved\ndate: ' +
        '2025-13-01\nrules: [SW303]\nrevisions: ["3f2a1c"]\n---\n\n## Context\n\nAudit rows belong ' +
        'to their account.\n\n## Decision\n\nUse ON DELETE CASCADE.',
      good:
        '---\nid: "0007"\ntitle: Allow cascade on audit rows\nstatus: accepted\ndate: ' +
        '2025-11-03\nrules: [SW303]\nrevisions: ["3f2a1c"]\n---\n\n## Context\n…\n## ' +
        'Decision\n…\n## Impact analysis\n…\n## Rollback plan\n…\n## Monitoring plan\n…',
      howToFix:
        'Start records with `schema-warden decision new`, which writes valid front matter and the ' +
        "five headings with prompts; replace each prompt with the team's text. In the editor, the " +
        'quick fix "Add the missing sections" appends every missing heading with its prompt.',
      fixSafety: 'unsafe',
    },
  },
  checkProject({ project, knownRuleIds, report }) {
    if (!project.decisions?.length) return;
    for (const problem of validateDecisionRecords(project.decisions, knownRuleIds)) report(problem);
  },
});
