import rule from '../../server/src/rules/SW304-managed-extensions';
import { ruleTester } from './ruleTester';

ruleTester(rule, {
  valid: [
    {
      name: 'dropping an extension',
      code: `
      def upgrade():
          op.execute("DROP EXTENSION IF EXISTS pg_trgm")
      `,
    },
    {
      name: 'an extension re-created by the downgrade',
      code: `
      def upgrade():
          op.execute("DROP EXTENSION citext")

      def downgrade():
          op.execute("CREATE EXTENSION citext")
      `,
    },
    {
      name: 'calling a function named schedule in another schema',
      code: `
      def upgrade():
          op.execute("SELECT jobs.schedule('x')")
          op.execute("SELECT cron_schedule('x')")
      `,
    },
  ],
  invalid: [
    {
      name: 'CREATE EXTENSION needs a decision record',
      code: `
      def upgrade():
          op.execute("CREATE EXTENSION IF NOT EXISTS citext")
      `,
      errors: [{ line: 2, message: /^`CREATE EXTENSION citext` needs a documented decision/ }],
      output: null,
    },
    {
      name: 'pg_cron and cron.schedule are named as hidden state',
      code: `
      def upgrade():
          op.execute('CREATE EXTENSION IF NOT EXISTS "pg_cron"')
          op.execute(sa.text("""
              SELECT cron.schedule(
                  'purge-sessions', '0 3 * * *',
                  $$DELETE FROM session WHERE expires_at < now()$$
              )
          """))
          op.execute("SELECT cron.schedule_in_database('vacuum', '@daily', 'VACUUM', 'app')")
      `,
      errors: [
        {
          line: 2,
          message: /^`CREATE EXTENSION pg_cron` installs a job scheduler: cron-based jobs are the policy's example/,
        },
        { line: 4, message: /^`cron\.schedule\(…\)` creates a pg_cron job/ },
        { line: 9, message: /^`cron\.schedule_in_database\(…\)` creates a pg_cron job/ },
      ],
    },
    {
      name: 'alembic_utils PGExtension in the upgrade',
      code: `
      from alembic_utils.pg_extension import PGExtension

      def upgrade():
          public_postgis = PGExtension(schema="public", signature="postgis")
          op.create_entity(public_postgis)

      def downgrade():
          public_postgis = PGExtension(schema="public", signature="postgis")
          op.drop_entity(public_postgis)
      `,
      errors: [{ line: 5, message: /^`PGExtension postgis` needs a documented decision/ }],
    },
  ],
});
