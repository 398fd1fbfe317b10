import rule from '../../server/src/rules/SW203-deterministic-default';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'application-generated UUIDs, time and constant defaults',
      code: `
      import uuid
      import sqlalchemy as sa
      from alembic import op

      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.Uuid(), primary_key=True, default=uuid.uuid4),
              sa.Column("status", sa.String(), server_default="draft", nullable=False),
              sa.Column("label", sa.String(), server_default="gen_random_uuid()"),
              sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp()),
              sa.Column("number", sa.BigInteger(), server_default=sa.text("nextval('invoice_number_seq')")),
              sa.Column("ns_id", sa.Uuid(), server_default=sa.text("uuid_generate_v5(uuid_ns_url(), 'x')")),
              comment="invoices",
          )
      `,
    },
    {
      name: 'random() outside a default: a data change, not a default',
      code: `
      def upgrade():
          op.execute("UPDATE invoice SET token = md5(random()::text) WHERE token IS NULL")
      `,
    },
    {
      name: 'a downgrade that restores the earlier default',
      code: `
      def upgrade():
          op.alter_column("invoice", "public_id", server_default=None)

      def downgrade():
          op.alter_column("invoice", "public_id", server_default=sa.text("gen_random_uuid()"))
      `,
    },
  ],
  invalid: [
    {
      name: 'server_default in Python, every spelling',
      code: `
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.Uuid(), primary_key=True, server_default=sa.text("gen_random_uuid()")),
              sa.Column("token", sa.String(), server_default=sa.text("md5(random()::text)")),
              sa.Column("legacy_id", postgresql.UUID(), server_default=sa.func.uuid_generate_v4()),
          )
          with op.batch_alter_table("invoice") as batch_op:
              batch_op.alter_column("token", server_default=sa.literal_column("gen_random_bytes(16)"))
      `,
      errors: [
        { line: 4, message: /`gen_random_uuid\(\)` in the default of "id" is server-side randomization/ },
        { line: 5, message: /`random\(\)` in the default of "token"/ },
        { line: 6, message: /`uuid_generate_v4\(\)`/ },
        { line: 9, message: /`gen_random_bytes\(\)`/ },
      ],
      output: null,
    },
    {
      name: 'SQL DEFAULT in CREATE TABLE, ADD COLUMN and SET DEFAULT',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE api_key (
                  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                  secret text NOT NULL DEFAULT encode(public.gen_random_bytes(32), 'hex')
              );
              ALTER TABLE api_key ADD COLUMN salt text DEFAULT gen_salt('bf');
          """)
          op.execute(sa.text("ALTER TABLE invoice ALTER COLUMN public_id SET DEFAULT uuid_generate_v1mc()"))
      `,
      errors: [
        { line: 4 },
        { line: 5, message: /`gen_random_bytes\(\)` in the default of "secret"/ },
        { line: 7 },
        { line: 9 },
      ],
    },
    {
      name: 'a helper function',
      code: `
      def _add_public_id(table):
          op.add_column(table, sa.Column("public_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))

      def upgrade():
          _add_public_id("invoice")
      `,
      errors: [{ line: 2 }],
    },
  ],
});
