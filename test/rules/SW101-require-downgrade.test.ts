import rule from '../../server/src/rules/SW101-require-downgrade';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    { name: 'downgrade reverses the upgrade', code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          op.drop_column("account", "note")
      ` },
    { name: 'merge revision with empty upgrade and downgrade', code: `
      revision = "m1"
      down_revision = ("a1", "b1")

      def upgrade():
          pass

      def downgrade():
          pass
      ` },
    { name: 'not a revision file', code: `
      def helper():
          pass
      ` },
  ],
  invalid: [
    { name: 'downgrade is pass', code: `
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))

      def downgrade():
          pass
      `, errors: [{ line: 4, message: /only `pass`/ }] },
    { name: 'downgrade is missing', code: `
      revision = "a1"
      def upgrade():
          op.add_column("account", sa.Column("note", sa.Text()))
      `, errors: [{ line: 2, message: /no downgrade/ }] },
    { name: 'downgrade only raises', code: `
      def upgrade():
          op.drop_index("ix_a")

      def downgrade():
          raise NotImplementedError("irreversible")
      `, errors: [{ line: 4, message: /only raises/ }] },
    { name: 'downgrade has only a docstring', code: `
      def upgrade():
          op.drop_index("ix_a")

      def downgrade():
          """Nothing to do."""
      `, errors: [{ line: 4, message: /only a docstring/ }] },
  ],
});
