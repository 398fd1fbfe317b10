import rule from '../../server/src/rules/SW206-uuid-primary-key';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'UUID keys in every spelling',
      code: `
      from sqlalchemy.dialects import postgresql

      def upgrade():
          op.create_table("invoice", sa.Column("id", sa.Uuid(), primary_key=True), comment="invoices")
          op.create_table("customer", sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False), sa.PrimaryKeyConstraint("id", name="pk_customer"))
          op.create_table("note", sa.Column("id", sa.UUID, primary_key=True), sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoice.id")))
          op.execute("CREATE TABLE ledger_entry (id uuid PRIMARY KEY, amount numeric NOT NULL)")
          op.execute("CREATE TABLE ledger_line (id uuid NOT NULL, CONSTRAINT pk_ledger_line PRIMARY KEY (id))")
      `,
    },
    {
      name: 'an unknown custom type is not guessed; a key of an earlier revision is not known',
      code: `
      def upgrade():
          op.create_table("invoice", sa.Column("id", GUID(), primary_key=True))
          op.create_primary_key("pk_legacy", "legacy", ["id"])
          op.execute("ALTER TABLE legacy2 ADD PRIMARY KEY (id)")
      `,
    },
    {
      name: 'the downgrade restoring an integer key is not reported',
      code: `
      def upgrade():
          op.drop_table("legacy")

      def downgrade():
          op.create_table("legacy", sa.Column("id", sa.Integer(), primary_key=True))
      `,
    },
  ],
  invalid: [
    {
      name: 'a UUID stored as text is called that, not a natural key',
      code: `
      def upgrade():
          op.create_table("device", sa.Column("id", sa.String(36), primary_key=True))
          op.create_table("session", sa.Column("id", sa.CHAR(length=32), primary_key=True))
          op.create_table("country", sa.Column("code", sa.String(2), primary_key=True))
      `,
      errors: [
        {
          line: 2,
          message:
            /is sa\.String\(36\), which looks like a UUID stored as text: store it as the uuid type .*16 bytes instead of 36 characters/,
        },
        {
          line: 3,
          message:
            /is sa\.CHAR\(length=32\), which looks like a UUID stored as text: .*16 bytes instead of 32 characters/,
        },
        { line: 4, message: /is sa\.String\(2\), not a UUID: .*a natural key needs a justification/ },
      ],
    },
    {
      name: 'integer and natural keys in Python',
      code: `
      def upgrade():
          op.create_table(
              "invoice",
              sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
          )
          op.create_table("country", sa.Column("code", sa.String(2), nullable=False), sa.PrimaryKeyConstraint("code"))
      `,
      errors: [
        {
          line: 4,
          message:
            /^Primary key "id" of "invoice" is `sa.Integer\(\)`, not a UUID: UUID primary keys are preferred, and an integer key needs a justification in a decision record/,
        },
        {
          line: 6,
          message:
            /Primary key "code" of "country" is `sa.String\(2\)`, not a UUID: .*a natural key needs a justification/,
        },
      ],
    },
    {
      name: 'composite keys: constraint, several primary_key=True, create_primary_key, in a batch',
      code: `
      def upgrade():
          op.create_table(
              "invoice_tag",
              sa.Column("invoice_id", sa.Uuid(), nullable=False),
              sa.Column("tag_id", sa.Uuid(), nullable=False),
              sa.PrimaryKeyConstraint("invoice_id", "tag_id"),
          )
          op.create_table("pair", sa.Column("a", sa.Uuid(), primary_key=True), sa.Column("b", sa.Uuid(), primary_key=True))
          with op.batch_alter_table("membership") as batch_op:
              batch_op.create_primary_key("pk_membership", ["user_id", "group_id"])
      `,
      errors: [
        { line: 6, message: /^Composite primary key \("invoice_id", "tag_id"\) of "invoice_tag"/ },
        { line: 8, message: /Composite primary key \("a", "b"\) of "pair"/ },
        { line: 10, message: /Composite primary key \("user_id", "group_id"\) of "membership"/ },
      ],
    },
    {
      name: 'create_primary_key on an integer column created in this revision',
      code: `
      def upgrade():
          op.add_column("legacy", sa.Column("num", sa.BigInteger(), nullable=False, comment="x"))
          op.create_primary_key("pk_legacy", "legacy", ["num"])
      `,
      errors: [{ line: 3, message: /"num" of "legacy" is `sa.BigInteger\(\)`/ }],
    },
    {
      name: 'SQL: serial, identity, text keys and a composite PRIMARY KEY',
      code: `
      def upgrade():
          op.execute("""
              CREATE TABLE invoice (id bigserial PRIMARY KEY, total numeric);
              CREATE TABLE event (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
              CREATE TABLE country (code text PRIMARY KEY);
              CREATE TABLE invoice_tag (invoice_id uuid, tag_id uuid, PRIMARY KEY (invoice_id, tag_id));
          """)
      `,
      errors: [
        { line: 3, message: /"id" of "invoice" is `bigserial`/ },
        { line: 4, message: /"id" of "event" is `integer`/ },
        { line: 5, message: /"code" of "country" is `text`, not a UUID: .*a natural key/ },
        { line: 6, message: /Composite primary key \("invoice_id", "tag_id"\) of "invoice_tag"/ },
      ],
    },
  ],
});
