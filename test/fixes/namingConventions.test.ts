import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { conventionalNames, declaredName } from '../../server/src/analysis/namingConventions';
import { declaredNamingConvention } from '../../server/src/model/namingConvention';

describe('naming conventions (SW102, #13)', () => {
  it('gives the common conventional and PostgreSQL names', () => {
    assert.deepEqual(conventionalNames('check', 'ticket', [], 'valid_state', false), ['ck_ticket_valid_state']);
    assert.ok(
      conventionalNames('foreign', 'ticket', ['account_id'], undefined, false, 'account').includes(
        'fk_ticket_account_id_account',
      ),
    );
    assert.ok(
      conventionalNames('foreign', 'ticket', ['account_id'], undefined, false, 'account').includes(
        'ticket_account_id_fkey',
      ),
    );
    assert.deepEqual(conventionalNames('primary', 'ticket', [], undefined, false), ['pk_ticket', 'ticket_pkey']);
    assert.deepEqual(
      conventionalNames('index', 'ticket', ['owner'], 'ix_ticket_owner', true),
      [],
      'op.f() names are final',
    );
  });

  it('expands a declared template, only where SQLAlchemy applies it', () => {
    const convention = {
      ck: 'check_%(table_name)s_%(constraint_name)s',
      fk: '%(table_name)s_%(referred_table_name)s_fk',
      ix: '%(column_0_label)s_idx',
    };
    assert.equal(declaredName(convention, 'check', 'ticket', [], 'valid_state', false), 'check_ticket_valid_state');
    assert.equal(
      declaredName(convention, 'foreign', 'ticket', ['agent_id'], undefined, false, 'agent'),
      'ticket_agent_fk',
    );
    assert.equal(
      declaredName(convention, 'foreign', 'ticket', ['agent_id'], 'fk_named', false, 'agent'),
      undefined,
      'an explicit name wins',
    );
    assert.equal(declaredName(convention, 'index', 'ticket', ['owner'], undefined, false), 'ticket_owner_idx');
    assert.equal(
      declaredName(convention, 'check', 'ticket', [], 'valid_state', true),
      undefined,
      'op.f() names are final',
    );
    assert.equal(
      declaredName(convention, 'unique', 'ticket', ['code'], undefined, false),
      undefined,
      'no template for uq',
    );
  });

  it("reads the project's MetaData(naming_convention=…) statically, skipping virtual environments", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-naming-'));
    try {
      fs.mkdirSync(path.join(root, '.venv', 'lib'), { recursive: true });
      fs.writeFileSync(
        path.join(root, '.venv', 'lib', 'other.py'),
        'naming_convention = {"ck": "venv_%(constraint_name)s"}\n',
      );
      assert.equal(declaredNamingConvention(root), undefined);
      const app = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-naming-'));
      fs.mkdirSync(path.join(app, 'app'));
      fs.writeFileSync(
        path.join(app, 'app', 'models.py'),
        'convention = {\n    "ck": "ck_%(table_name)s_%(constraint_name)s",\n    \'fk\': ' +
          '"fk_%(table_name)s_%(column_0_name)s",\n}\nmetadata = ' +
          'MetaData(naming_convention=convention)\n',
      );
      assert.deepEqual(declaredNamingConvention(app), {
        ck: 'ck_%(table_name)s_%(constraint_name)s',
        fk: 'fk_%(table_name)s_%(column_0_name)s',
      });
      fs.rmSync(app, { recursive: true, force: true });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
