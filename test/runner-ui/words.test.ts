import * as assert from 'node:assert/strict';
import { countText, inEditorWords, setupActions } from '../../client/src/words';
import { statementHead } from '../../server/src/lsp/hover';

describe('the words the editor shows (issue 14, point 7)', () => {
  it('the status item and "Lint workspace" count the same way', () => {
    assert.equal(countText({ files: 1, errors: 0, warnings: 2 }), '1 revision, 0 errors, 2 warnings');
    assert.equal(countText({ files: 22, errors: 1, warnings: 1 }), '22 revisions, 1 error, 1 warning');
  });

  it('runner messages name the settings, not the CLI flags', () => {
    const docker =
      'Start the Docker engine again and run again. Or use local PostgreSQL binaries (--target local) or a URL (--target url --url …).';
    assert.equal(
      inEditorWords(docker),
      'Start the Docker engine again and run again. Or use local PostgreSQL binaries ' +
        '(schemaWarden.runner.target "local") or a URL (schemaWarden.runner.target "url" with ' +
        'schemaWarden.runner.url).',
    );
    assert.equal(
      inEditorWords('point schemaWarden.python (CLI: --python) at an interpreter that has Alembic.'),
      'point schemaWarden.python at an interpreter that has Alembic.',
    );
    assert.doesNotMatch(
      inEditorWords('start a Docker engine (--target docker), or (--target url --url postgresql://…).'),
      /--/,
    );
  });

  it('setup errors carry the buttons that fix them', () => {
    assert.deepEqual(setupActions('Docker engine at /var/run/docker.sock is not running'), {
      actions: ['Use local PostgreSQL', 'Open setting'],
      setting: 'schemaWarden.runner.target',
    });
    assert.deepEqual(setupActions('No module named alembic in /usr/bin/python3: pip install alembic'), {
      actions: ['Select interpreter', 'Open setting'],
      setting: 'schemaWarden.python',
    });
  });

  it('hovers name SQL statements by their keywords, not the parser nodes', () => {
    assert.equal(
      statementHead({ text: 'CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()' }),
      'CREATE TRIGGER',
    );
    assert.equal(statementHead({ text: 'drop table if exists account' }), 'DROP TABLE');
    assert.equal(statementHead({ text: '-- rationale: x\nALTER TABLE account ADD COLUMN note text' }), 'ALTER TABLE');
    assert.equal(statementHead({ text: 'CREATE OR REPLACE FUNCTION f() RETURNS int' }), 'CREATE OR REPLACE FUNCTION');
    assert.equal(
      statementHead({ text: 'CREATE UNIQUE INDEX CONCURRENTLY ix ON t (a)' }),
      'CREATE UNIQUE INDEX CONCURRENTLY',
    );
  });
});
