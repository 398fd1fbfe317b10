import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { conventionalNames, declaredName, declaredNames } from '../../server/src/analysis/namingConventions';
import { conventionInText, declaredNamingConvention } from '../../server/src/model/namingConvention';

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

  it("renders column tokens as SQLAlchemy does and truncates long names its way and PostgreSQL's", () => {
    const convention = { uq: 'uq_%(table_name)s_%(column_1_name)s_%(column_0_N_key)s', ix: 'ix_%(column_0N_name)s' };
    assert.deepEqual(declaredNames(convention, 'unique', 'room', ['a', 'b'], undefined, false)?.names, [
      'uq_room_b_a_b',
    ]);
    assert.deepEqual(declaredNames(convention, 'index', 'room', ['a', 'b'], undefined, false)?.names, ['ix_ab']);
    const long = declaredNames(
      { ix: 'ix_%(table_name)s_%(column_0_name)s' },
      'index',
      't'.repeat(40),
      ['c'.repeat(40)],
      undefined,
      false,
    );
    assert.equal(long?.names.length, 2);
    assert.match(
      long?.names[0] ?? '',
      /^ix_t{40}_c{11}_[0-9a-f]{4}$/,
      'SQLAlchemy: 55 characters, _ and 4 hex digits of the md5',
    );
    assert.equal(long?.names[1], `ix_${'t'.repeat(40)}_${'c'.repeat(19)}`, 'PostgreSQL: the first 63');
  });

  it('reads a token it cannot know (a callable of the project) as any text, bound to the table', () => {
    const convention = { ix: 'ix_%(unique_index)s%(table_name)s_%(column_names)s' };
    const declared = declaredNames(convention, 'index', 'locations', ['name'], undefined, false);
    assert.deepEqual(declared?.names, []);
    assert.equal(declared?.namesTable, true);
    assert.ok(declared?.pattern?.test('ix_uq_locations_name'));
    assert.ok(declared?.pattern?.test('ix_locations_name'));
    assert.ok(!declared?.pattern?.test('ix_uq_rooms_name'), 'another table');
    assert.equal(declaredName(convention, 'index', 'locations', ['name'], undefined, false), undefined);
  });

  it('reads conventions keyed by class and given as dict(…), level by level, outside tests', () => {
    assert.deepEqual(
      conventionInText(
        'naming_convention = {sa.UniqueConstraint: "uq_%(table_name)s_%(column_0_name)s", Index: "%(column_0_label)s_idx"}',
      ),
      { uq: 'uq_%(table_name)s_%(column_0_name)s', ix: '%(column_0_label)s_idx' },
    );
    assert.deepEqual(conventionInText('NAMING_CONVENTION = dict(ck="ck_%(table_name)s_%(constraint_name)s")'), {
      ck: 'ck_%(table_name)s_%(constraint_name)s',
    });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-naming-'));
    try {
      fs.mkdirSync(path.join(root, 'tests'));
      fs.writeFileSync(
        path.join(root, 'tests', 'conftest.py'),
        'naming_convention = {"ck": "test_%(constraint_name)s"}\n',
      );
      fs.mkdirSync(path.join(root, 'shop', 'core', 'db'), { recursive: true });
      // The templates in a constants module; the models hand them to MetaData by name.
      fs.writeFileSync(path.join(root, 'shop', 'core', 'db', 'names.py'), 'CONVENTION = {"pk": "pk_%(table_name)s"}\n');
      fs.writeFileSync(path.join(root, 'shop', 'models.py'), 'metadata = MetaData(naming_convention=CONVENTION)\n');
      assert.deepEqual(declaredNamingConvention(root), { pk: 'pk_%(table_name)s' });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
