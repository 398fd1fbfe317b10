import rule from '../../server/src/rules/SW208-revision-description';
import { ruleTester } from './ruleTester';

/** A revision file with the given docstring (lines given flush left) above Alembic's usual body. */
function revision(docstring: string | undefined): string {
  const body =
    'revision = "3f2a1c9d8e7b"\ndown_revision = "1a2b3c4d5e6f"\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n';
  return docstring === undefined ? `import sqlalchemy as sa\n\n${body}` : `${docstring}\n${body}`;
}

const TEMPLATE = 'Revision ID: 3f2a1c9d8e7b\nRevises: 1a2b3c4d5e6f\nCreate Date: 2024-05-02 10:11:12.123456\n';

ruleTester(rule, {
  valid: [
    {
      name: 'a real message above the template lines',
      code: revision(`"""Add paid_at to invoice for the dunning job\n\n${TEMPLATE}\n"""`),
    },
    {
      name: 'a merge revision with a message, after a leading comment',
      code: '# -*- coding: utf-8 -*-\n"""merge billing and auth heads"""\nrevision = "m1"\ndown_revision = ("a1", "b1")\n',
    },
    {
      name: 'a message mentioning "empty message" is fine',
      code: revision(`"""Fix the empty message column of notification\n\n${TEMPLATE}"""`),
    },
    { name: 'not a revision file', code: 'def helper():\n    return 1\n' },
  ],
  invalid: [
    {
      name: 'Alembic placeholder "empty message"',
      code: revision(`"""empty message\n\n${TEMPLATE}\n"""`),
      errors: [
        {
          line: 1,
          message:
            'The revision\'s description is the placeholder "empty message", so alembic history and ' +
            'reviewers see nothing about what it changes. Describe what this revision changes and why ' +
            'in the first line of its docstring (alembic revision -m "…").',
        },
      ],
      output: null,
    },
    {
      name: 'only the template header lines',
      code: revision(`"""\n${TEMPLATE}"""`),
      errors: [{ line: 1, message: /only the template's Revision ID/ }],
    },
    {
      name: 'no docstring at all',
      code: revision(undefined),
      errors: [{ line: 3, message: /^This revision has no docstring/ }],
    },
    { name: 'an empty docstring', code: revision('"""   """'), errors: [{ line: 1, message: /docstring is empty/ }] },
    { name: 'a TODO', code: revision('"""TODO"""'), errors: [{ line: 1, message: /placeholder "TODO"/ }] },
    {
      name: 'a description string placed after the imports is found and said so (#13)',
      code:
        'from alembic import op\nimport sqlalchemy as sa\n"""Add paid_at to invoice"""\nrevision = ' +
        '"r1"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n',
      errors: [
        { line: 3, message: /description string on line 3 comes after the imports.*Move the string to the top/ },
      ],
    },
  ],
});
