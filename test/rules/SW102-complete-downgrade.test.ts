import rule from '../../server/src/rules/SW102-complete-downgrade';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'autogenerate shape: every create is dropped',
      code: `
      def upgrade():
          op.create_table("ticket", sa.Column("id", sa.Integer()))
          op.create_index(op.f("ix_ticket_id"), "ticket", ["id"])
          op.add_column("account", sa.Column("note", sa.Text()))
          op.create_foreign_key("fk_ticket_account", "ticket", "account", ["account_id"], ["id"])

      def downgrade():
          op.drop_constraint("fk_ticket_account", "ticket", type_="foreignkey")
          op.drop_column("account", "note")
          op.drop_index(op.f("ix_ticket_id"), table_name="ticket")
          op.drop_table("ticket")
      `,
    },
    {
      name: 'indexes and constraints go with a dropped table',
      code: `
      def upgrade():
          op.create_table("ticket", sa.Column("id", sa.Integer()))
          op.create_index("ix_ticket_id", "ticket", ["id"])

      def downgrade():
          op.drop_table("ticket")
      `,
    },
    {
      name: 'an enum type dropped with the table',
      code: `
      status = postgresql.ENUM("open", "closed", name="ticket_status")

      def upgrade():
          op.create_table("ticket", sa.Column("status", status))

      def downgrade():
          op.drop_table("ticket")
          status.drop(op.get_bind())
      `,
    },
    {
      name: 'an enum reused with create_type=False',
      code: `
      def upgrade():
          op.create_table("ticket", sa.Column("status", postgresql.ENUM(name="ticket_status", create_type=False)))

      def downgrade():
          op.drop_table("ticket")
      `,
    },
    {
      name: 'dropped things re-created (batch ops and SQL)',
      code: `
      def upgrade():
          with op.batch_alter_table("account") as batch_op:
              batch_op.drop_column("legacy")
              batch_op.drop_index("ix_account_legacy")
          op.execute("DROP VIEW IF EXISTS account_summary")

      def downgrade():
          op.execute("CREATE VIEW account_summary AS SELECT id FROM account")
          with op.batch_alter_table("account") as batch_op:
              batch_op.create_index("ix_account_legacy", ["legacy"])
              batch_op.add_column(sa.Column("legacy", sa.Text()))
      `,
    },
    {
      name: 'SQL pairs',
      code: `
      def upgrade():
          op.execute("""
              CREATE TYPE mood AS ENUM ('happy', 'sad');
              CREATE INDEX CONCURRENTLY ix_account_email ON account (email);
              ALTER TABLE account ADD COLUMN mood mood;
          """)

      def downgrade():
          op.execute("ALTER TABLE account DROP COLUMN mood")
          op.execute("DROP INDEX ix_account_email")
          op.execute("DROP TYPE mood")
      `,
    },
    {
      name: 'renamed and renamed back',
      code: `
      def upgrade():
          op.rename_table("account", "customer")
          op.alter_column("customer", "email", new_column_name="email_address")

      def downgrade():
          op.alter_column("customer", "email_address", new_column_name="email")
          op.rename_table("customer", "account")
      `,
    },
    {
      name: "empty downgrade is SW101's",
      code: `
      def upgrade():
          op.create_index("ix_a", "a", ["b"])

      def downgrade():
          pass
      `,
    },
    {
      name: 'a downgrade with SQL built at run time is not guessed at',
      code: `
      def upgrade():
          op.create_index("ix_a", "a", ["b"])

      def downgrade():
          op.execute(f"DROP INDEX {name}")
      `,
    },
    {
      name: 'a downgrade calling imported helpers is not guessed at',
      code: `
      from myapp.migrations import drop_all_indexes

      def upgrade():
          op.create_index("ix_a", "a", ["b"])

      def downgrade():
          drop_all_indexes(op)
      `,
    },
    {
      name: 'a temporary table created and dropped in the upgrade',
      code: `
      def upgrade():
          op.create_table("tmp", sa.Column("id", sa.Integer()))
          op.drop_table("tmp")
          op.add_column("a", sa.Column("b", sa.Text()))

      def downgrade():
          op.drop_column("a", "b")
      `,
    },
    {
      name: 'temporary tables in SQL, kept to commit or dropped later, and an index on one (#13)',
      code: `
      def upgrade():
          op.add_column("parcel", sa.Column("weight_kg", sa.Numeric()))
          op.execute("CREATE TEMP TABLE converted ON COMMIT DROP AS SELECT id, weight_grams / 1000.0 AS kg FROM parcel")
          op.execute("CREATE INDEX ix_converted_id ON converted (id)")
          op.execute("CREATE TEMPORARY TABLE heavy (id integer)")
          op.execute("UPDATE parcel SET weight_kg = c.kg FROM converted c WHERE c.id = parcel.id")
          op.execute("DROP TABLE heavy")

      def downgrade():
          op.drop_column("parcel", "weight_kg")
      `,
    },
    {
      name: 'CREATE OR REPLACE VIEW restored by the downgrade',
      code: `
      def upgrade():
          op.execute("CREATE OR REPLACE VIEW v AS SELECT 2")

      def downgrade():
          op.execute("CREATE OR REPLACE VIEW v AS SELECT 1")
      `,
    },
    {
      name: 'a naming convention names the constraints the downgrade drops (#13)',
      code: `
      def upgrade():
          op.create_check_constraint("valid_state", "ticket", "state IN ('open', 'closed')")
          op.create_foreign_key(None, "ticket", "account", ["account_id"], ["id"])
          op.create_unique_constraint(None, "ticket", ["code"])
          op.create_index(None, "ticket", ["opened_at"])
          op.create_index(op.f("ix_ticket_owner"), "ticket", ["owner"])

      def downgrade():
          op.drop_index(op.f("ix_ticket_owner"), table_name="ticket")
          op.drop_index("ix_ticket_opened_at", table_name="ticket")
          op.drop_constraint("uq_ticket_code", "ticket", type_="unique")
          op.drop_constraint("fk_ticket_account_id_account", "ticket", type_="foreignkey")
          op.drop_constraint("ck_ticket_valid_state", "ticket", type_="check")
      `,
    },
    {
      name: "PostgreSQL's own names for unnamed constraints (#13)",
      code: `
      def upgrade():
          op.create_foreign_key(None, "ticket", "account", ["account_id"], ["id"])

      def downgrade():
          op.drop_constraint("ticket_account_id_fkey", "ticket", type_="foreignkey")
      `,
    },
    {
      name: 'dropping a column drops its index, CHECK and foreign key (#13)',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("nickname", sa.Text()))
          op.create_index("ix_account_nickname", "account", ["nickname"])
          op.create_check_constraint("ck_account_nickname_length", "account", "length(nickname) < 40")
          op.add_column("account", sa.Column("referrer_id", sa.Integer()))
          op.create_foreign_key("fk_account_referrer", "account", "account", ["referrer_id"], ["id"])

      def downgrade():
          op.drop_column("account", "referrer_id")
          op.drop_column("account", "nickname")
      `,
    },
    {
      name: 'a swap: add the new column, drop the old, rename; and back (#13)',
      code: `
      def upgrade():
          op.add_column("payment", sa.Column("amount_new", sa.Numeric(12, 2)))
          op.execute("UPDATE payment SET amount_new = amount")
          op.drop_column("payment", "amount")
          op.alter_column("payment", "amount_new", new_column_name="amount")

      def downgrade():
          op.add_column("payment", sa.Column("amount_old", sa.Integer()))
          op.execute("UPDATE payment SET amount_old = amount")
          op.drop_column("payment", "amount")
          op.alter_column("payment", "amount_old", new_column_name="amount")
      `,
    },
    {
      name: 'a constraint built on an index takes the index with it (#13)',
      code: `
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("CREATE UNIQUE INDEX CONCURRENTLY ix_account_email ON account (email)")
          op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_email UNIQUE USING INDEX ix_account_email")

      def downgrade():
          op.execute("ALTER TABLE account DROP CONSTRAINT uq_account_email")
      `,
    },
    {
      name: "a downgrade's branch for another database is not compared (#13)",
      code: `
      def upgrade():
          op.create_index("ix_account_email", "account", ["email"])

      def downgrade():
          if op.get_bind().dialect.name == "mysql":
              op.execute("ALTER TABLE account DROP INDEX ix_account_email")
          else:
              op.drop_index("ix_account_email", table_name="account")
      `,
    },
    {
      name: 'a naming convention declared in the revision itself (#13)',
      code: `
      naming_convention = {"fk": "%(table_name)s_%(referred_table_name)s_fk"}

      def upgrade():
          with op.batch_alter_table("ticket", naming_convention=naming_convention) as batch_op:
              batch_op.create_foreign_key(None, "agent", ["agent_id"], ["id"])

      def downgrade():
          with op.batch_alter_table("ticket", naming_convention=naming_convention) as batch_op:
              batch_op.drop_constraint("ticket_agent_fk", type_="foreignkey")
      `,
    },
    {
      name: 'a CHECK redefined: dropped by its conventional name, created by its short name, in both directions (#13 review)',
      code: `
      naming_convention = {"ck": "ck_%(table_name)s_%(constraint_name)s"}

      def upgrade():
          op.drop_constraint("ck_ticket_valid_state", "ticket", schema="desk")
          op.create_check_constraint("valid_state", "ticket", "state IN (1, 2, 3)", schema="desk")

      def downgrade():
          op.drop_constraint("ck_ticket_valid_state", "ticket", schema="desk")
          op.create_check_constraint("valid_state", "ticket", "state IN (1, 2)", schema="desk")
      `,
    },
    {
      name: 'a convention token the application computes (a callable) matches any text there (#13 review)',
      code: `
      naming_convention = {"ix": "ix_%(unique_prefix)s%(table_name)s_%(joined_columns)s", "unique_prefix": _unique_prefix}

      def upgrade():
          op.drop_index("ix_uq_room_title", table_name="room", schema="booking")
          op.create_index(None, "room", ["title"], unique=True, postgresql_where=sa.text("NOT archived"), schema="booking")

      def downgrade():
          op.drop_index("ix_uq_room_title", table_name="room", schema="booking")
          op.create_index(None, "room", ["title"], unique=True, schema="booking")
      `,
    },
    {
      name: 'column_0_N_name joins every column, as SQLAlchemy renders it (#13 review)',
      code: `
      naming_convention = {"uq": "uq_%(table_name)s__%(column_0_N_name)s", "ix": "ix_%(column_0N_label)s"}

      def upgrade():
          op.create_unique_constraint(None, "room", ["building_id", "title"])
          op.create_index(None, "room", ["floor", "wing"])

      def downgrade():
          op.drop_index("ix_room_floorroom_wing", table_name="room")
          op.drop_constraint("uq_room__building_id_title", "room", type_="unique")
      `,
    },
    {
      name: 'an index on an expression goes with the column it reads (sa.text) (#13 review)',
      code: `
      def upgrade():
          op.add_column("book", sa.Column("title", sa.Text()))
          op.create_index(op.f("ix_book_title_folded"), "book", [sa.text("public.immutable_unaccent(lower(title))")], postgresql_using="gin")
          op.create_index("ix_book_recent", "book", ["id"], postgresql_where=sa.text("title IS NOT NULL"))

      def downgrade():
          op.drop_column("book", "title")
      `,
    },
    {
      name: 'an index on a SQLAlchemy expression goes with the column it reads (sa.func, sa.column)',
      code: `
      def upgrade():
          op.add_column("book", sa.Column("title", sa.Text()))
          op.create_index("ix_book_title_lower", "book", [sa.func.lower(sa.column("title"))])
          op.create_index("ix_book_title_desc", "book", [sa.desc(sa.func.coalesce(sa.literal_column("title"), ""))])

      def downgrade():
          op.drop_column("book", "title")
      `,
    },
    {
      name: 'an index on an expression goes with the column it reads (SQL) (#13 review)',
      code: `
      def upgrade():
          op.add_column("book", sa.Column("title", sa.Text()))
          op.execute("CREATE INDEX ix_book_title_words ON book USING gin (to_tsvector('simple', coalesce(book.title, '')))")
          op.execute("ALTER TABLE book ADD CONSTRAINT ck_book_title_short CHECK (length(title) < 400)")

      def downgrade():
          op.drop_column("book", "title")
      `,
    },
    {
      name: 'DROP INDEX IF EXISTS just before CREATE INDEX IF NOT EXISTS of the same name creates it (#13 review)',
      code: `
      def upgrade():
          with op.get_context().autocommit_block():
              op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_reading_sensor_id")
              op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_reading_sensor_id ON reading (sensor_id)")
          op.drop_index("ix_reading_taken_at", table_name="reading", if_exists=True)
          op.create_index("ix_reading_taken_at", "reading", ["taken_at"], if_not_exists=True)

      def downgrade():
          op.drop_index("ix_reading_taken_at", table_name="reading")
          with op.get_context().autocommit_block():
              op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_reading_sensor_id")
      `,
    },
    {
      name: 'a drop run only when the catalogue lists the index, then its build: the pair creates it (#13, tasking-manager)',
      code: `
      def upgrade():
          inspector = sa.inspect(op.get_bind())
          # a copy may have been built by hand before this history existed
          for index in inspector.get_indexes("article"):
              if index["name"] == "ix_article_body_search":
                  op.drop_index("ix_article_body_search", table_name="article")
          if "ix_article_slug" in [i["name"] for i in inspector.get_indexes("article")]:
              op.execute("DROP INDEX ix_article_slug")
          op.create_index("ix_article_body_search", "article", ["body_search"], postgresql_using="gin")
          op.execute("CREATE INDEX ix_article_slug ON article (slug)")

      def downgrade():
          op.execute("DROP INDEX ix_article_slug")
          op.drop_index("ix_article_body_search", table_name="article")
      `,
    },
  ],
  invalid: [
    {
      name: 'a CHECK redefined in the upgrade but not put back in the downgrade',
      code: `
      naming_convention = {"ck": "ck_%(table_name)s_%(constraint_name)s"}

      def upgrade():
          op.drop_constraint("ck_ticket_valid_state", "ticket", schema="desk")
          op.create_check_constraint("valid_state", "ticket", "state IN (1, 2, 3)", schema="desk")

      def downgrade():
          op.drop_constraint("ck_ticket_valid_state", "ticket", schema="desk")
      `,
      errors: [{ line: 4 }],
    },
    {
      name: 'an index created and never dropped',
      code: `
      def upgrade():
          op.create_table("ticket", sa.Column("id", sa.Integer()))
          op.create_index("ix_account_email", "account", ["email"])

      def downgrade():
          op.drop_table("ticket")
      `,
      errors: [
        {
          line: 3,
          message:
            'op.create_index creates index "ix_account_email" on "account", but downgrade() never drops ' +
            'it, so a rollback leaves it behind. Add op.drop_index("ix_account_email", ' +
            'table_name="account") to downgrade().',
        },
      ],
    },
    {
      name: 'the enum type op.drop_table leaves behind',
      code: `
      def upgrade():
          op.create_table("ticket", sa.Column("status", sa.Enum("open", "closed", name="ticket_status")))

      def downgrade():
          op.drop_table("ticket")
      `,
      errors: [
        {
          line: 2,
          message:
            /creates type "ticket_status", but downgrade\(\) never drops it.*Add `sa\.Enum\(name="ticket_status"\)\.drop\(op\.get_bind\(\)\)`/,
        },
      ],
    },
    {
      name: 'a column and a constraint dropped and never re-created',
      code: `
      def upgrade():
          with op.batch_alter_table("account") as batch_op:
              batch_op.drop_column("legacy")
          op.drop_constraint("uq_account_email", "account", type_="unique")

      def downgrade():
          op.alter_column("account", "email", nullable=True)
      `,
      errors: [
        {
          line: 3,
          message: /`batch_op\.drop_column` drops column "legacy" on "account", but downgrade\(\) never re-creates it/,
        },
        { line: 4, message: /drops constraint "uq_account_email"/ },
      ],
    },
    {
      name: 'SQL-level creates never dropped',
      code: `
      def upgrade():
          op.execute("CREATE VIEW active_account AS SELECT * FROM account WHERE active")
          op.execute("ALTER TABLE account ADD COLUMN note text")
          op.add_column("a", sa.Column("b", sa.Text()))

      def downgrade():
          op.drop_column("a", "b")
      `,
      errors: [
        { line: 2, message: /The SQL statement creates view "active_account".*DROP VIEW active_account/ },
        { line: 3, message: /creates column "note" on "account"/ },
      ],
    },
    {
      name: 'a rename never reversed',
      code: `
      def upgrade():
          op.rename_table("account", "customer")
          op.add_column("customer", sa.Column("b", sa.Text()))

      def downgrade():
          op.drop_column("customer", "b")
      `,
      errors: [
        {
          line: 2,
          message:
            /renames table "account" to "customer", but downgrade\(\) never renames it back\. Add `op\.rename_table\("customer", "account"\)`/,
        },
      ],
    },
    {
      name: 'a conventional name of another constraint does not match (#13)',
      code: `
      def upgrade():
          op.create_check_constraint("valid_state", "ticket", "state IN ('open', 'closed')")
          op.create_index(op.f("ix_ticket_owner"), "ticket", ["owner"])

      def downgrade():
          op.drop_constraint("ck_ticket_other", "ticket", type_="check")
          op.drop_index("ix_ticket_ix_ticket_owner", table_name="ticket")
      `,
      errors: [
        { line: 2, message: /creates constraint "valid_state" on "ticket", but downgrade\(\) never drops it/ },
        { line: 3, message: /creates index "ix_ticket_owner" on "ticket", but downgrade\(\) never drops it/ },
      ],
    },
    {
      name: 'dropping another column leaves the index behind (#13)',
      code: `
      def upgrade():
          op.add_column("account", sa.Column("nickname", sa.Text()))
          op.create_index("ix_account_nickname", "account", ["nickname"])
          op.create_index("ix_account_email", "account", ["email"])

      def downgrade():
          op.drop_column("account", "nickname")
      `,
      errors: [{ line: 4, message: /creates index "ix_account_email" on "account"/ }],
    },
    {
      name: 'a half swap does not restore the column (#13)',
      code: `
      def upgrade():
          op.add_column("payment", sa.Column("amount_new", sa.Numeric(12, 2)))
          op.drop_column("payment", "amount")
          op.alter_column("payment", "amount_new", new_column_name="amount")

      def downgrade():
          op.alter_column("payment", "amount", new_column_name="amount_new")
      `,
      errors: [
        { line: 2, message: /creates column "amount_new" on "payment", but downgrade\(\) never drops it/ },
        { line: 3, message: /drops column "amount" on "payment", but downgrade\(\) never re-creates it/ },
      ],
    },
    {
      name: 'a constraint on an index that existed before: dropping the constraint loses the index (#13)',
      code: `
      def upgrade():
          op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_email UNIQUE USING INDEX ix_account_email")

      def downgrade():
          op.execute("ALTER TABLE account DROP CONSTRAINT uq_account_email")
      `,
      errors: [{ line: 2, message: /drops index "ix_account_email"/ }],
    },
    {
      name: "a computed convention token matches only on the index's own table (#13 review)",
      code: `
      naming_convention = {"ix": "ix_%(unique_prefix)s%(table_name)s_%(joined_columns)s"}

      def upgrade():
          op.drop_index("ix_uq_desk_title", table_name="desk")
          op.create_index(None, "room", ["title"], unique=True)

      def downgrade():
          op.drop_index("ix_uq_room_title", table_name="room")
      `,
      errors: [{ line: 4, message: /drops index "ix_uq_desk_title" on "desk", but downgrade\(\) never re-creates it/ }],
    },
    {
      name: 'an index on an expression of a column the downgrade keeps stays behind (#13 review)',
      code: `
      def upgrade():
          op.add_column("book", sa.Column("title", sa.Text()))
          op.create_index(op.f("ix_book_author_folded"), "book", [sa.text("lower(author)")])
          op.execute("CREATE INDEX ix_book_author_words ON book USING gin (to_tsvector('simple', author))")

      def downgrade():
          op.drop_column("book", "title")
      `,
      errors: [
        { line: 3, message: /creates index "ix_book_author_folded" on "book"/ },
        { line: 4, message: /creates index "ix_book_author_words" on "book"/ },
      ],
    },
    {
      name: 'an index on a SQLAlchemy expression of a column the downgrade keeps stays behind',
      code: `
      def upgrade():
          op.add_column("book", sa.Column("title", sa.Text()))
          op.create_index("ix_book_author_lower", "book", [sa.func.lower(sa.column("author"))])

      def downgrade():
          op.drop_column("book", "title")
      `,
      errors: [{ line: 3, message: /creates index "ix_book_author_lower" on "book"/ }],
    },
    {
      name: 'DROP INDEX IF EXISTS with no IF NOT EXISTS build after it still drops what was there (#13 review)',
      code: `
      def upgrade():
          op.execute("DROP INDEX IF EXISTS ix_reading_legacy")
          op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_reading_sensor_id ON reading (sensor_id)")

      def downgrade():
          op.execute("DROP INDEX IF EXISTS ix_reading_sensorid")
      `,
      errors: [
        { line: 2, message: /drops index "ix_reading_legacy", but downgrade\(\) never re-creates it/ },
        { line: 3, message: /creates index "ix_reading_sensor_id" on "reading", but downgrade\(\) never drops it/ },
      ],
    },
    {
      name: 'a drop after a catalogue test with no build of that name after it still drops what was there (#13)',
      code: `
      def upgrade():
          inspector = sa.inspect(op.get_bind())
          if "ix_article_title" in [i["name"] for i in inspector.get_indexes("article")]:
              op.drop_index("ix_article_title", table_name="article")
          op.create_index("ix_article_heading", "article", ["title"])

      def downgrade():
          op.drop_index("ix_article_heading", table_name="article")
      `,
      errors: [
        { line: 4, message: /drops index "ix_article_title" on "article", but downgrade\(\) never re-creates it/ },
      ],
    },
    {
      name: 'an unlogged table outlives the migration: the downgrade must drop it (#13)',
      code: `
      def upgrade():
          op.execute("CREATE UNLOGGED TABLE converted AS SELECT id FROM parcel")

      def downgrade():
          op.drop_column("parcel", "weight_kg")
      `,
      errors: [{ line: 2, message: /creates table "converted", but downgrade\(\) never drops it/ }],
    },
  ],
});
