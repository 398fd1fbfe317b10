import rule from '../../server/src/rules/SW107-revision-graph';
import { ruleTester } from './ruleTester';

const root = `
revision = "a0"
down_revision = None
def upgrade():
    pass
def downgrade():
    pass
`;

ruleTester(rule, {
  valid: [
    {
      name: 'a linear history',
      code: `
      revision = "b1"
      down_revision = "a0"
      `,
      others: { 'a0.py': root },
    },
    {
      name: 'two branches joined by a merge revision',
      code: `
      revision = "m1"
      down_revision = ("b1", "c1")
      `,
      others: {
        'a0.py': root,
        'b1.py': 'revision = "b1"\ndown_revision = "a0"\n',
        'c1.py': 'revision = "c1"\ndown_revision = "a0"\n',
      },
    },
    {
      name: 'separate labelled branches may have a head each',
      code: `
      revision = "x1"
      down_revision = None
      branch_labels = ("audit",)
      `,
      others: { 'a0.py': root },
    },
    {
      name: 'branches labelled by constants the application defines (an expand and a contract branch)',
      code: `
      from myapp.migration import branches
      revision = "e1"
      down_revision = "a0"
      branch_labels = (branches.EXPAND,)
      `,
      others: {
        'a0.py': root,
        'c1.py':
          'from myapp.migration import branches\nrevision = "c1"\ndown_revision = "a0"\nbranch_labels = (branches.CONTRACT,)\n',
        'c2.py': 'revision = "c2"\ndown_revision = "c1"\n',
      },
    },
  ],
  invalid: [
    {
      name: 'two heads',
      code: `
      revision = "b1"
      down_revision = "a0"
      `,
      others: { 'a0.py': root, 'c1.py': 'revision = "c1"\ndown_revision = "a0"\n' },
      errors: [{ line: 1, message: /2 heads \(b1, c1\)/ }],
    },
    {
      name: 'two unlabelled heads beside a branch labelled by a constant',
      code: `
      revision = "b1"
      down_revision = "a0"
      `,
      others: {
        'a0.py': root,
        'c1.py': 'revision = "c1"\ndown_revision = "a0"\n',
        'e1.py':
          'from myapp.migration import branches\nrevision = "e1"\ndown_revision = "a0"\nbranch_labels = (branches.EXPAND,)\n',
      },
      errors: [{ line: 1, message: /2 heads \(b1, c1\)/ }],
    },
    {
      name: 'unknown parent',
      code: `
      revision = "b1"
      down_revision = "zz"
      `,
      others: { 'a0.py': root },
      errors: [{ line: 2, message: /names "zz"/ }],
    },
    {
      name: 'duplicate id',
      code: `
      revision = "a0"
      down_revision = None
      `,
      others: { 'a0.py': root },
      errors: [{ line: 1, message: /used by 2 files/ }],
    },
    {
      name: 'cycle',
      code: `
      revision = "b1"
      down_revision = "c1"
      `,
      others: { 'a0.py': root, 'c1.py': 'revision = "c1"\ndown_revision = "b1"\n' },
      errors: [{ line: 2, message: /cycle/ }],
    },
    {
      name: 'unknown dependency',
      code: `
      revision = "b1"
      down_revision = "a0"
      depends_on = "nope"
      `,
      others: { 'a0.py': root },
      errors: [{ line: 1, message: /depends_on names "nope"/ }],
    },
  ],
});
