// `baseline --write` edits one key of a TOML file as text: everything else stays byte for byte.
import * as assert from 'node:assert/strict';
import { setTomlKey, TomlEditError } from '../../server/src/config/editToml';

const TABLE = ['tool', 'schema-warden'];

describe('setTomlKey (a text edit of one key)', () => {
  it('adds the table at the end of a pyproject.toml with comments and odd spacing, keeping CRLF', () => {
    const text =
      '# header comment\r\n[project]\r\nname  =  "x"    # trailing\r\ndeps = [\r\n  "a",  # why a\r\n  "b[extra]",\r\n]\r\n';
    assert.equal(
      setTomlKey(text, TABLE, 'baseline', '"abc"'),
      `${text}\r\n[tool.schema-warden]\r\nbaseline = "abc"\r\n`,
    );
    assert.equal(setTomlKey('x = 1', TABLE, 'baseline', '"abc"'), 'x = 1\n\n[tool.schema-warden]\nbaseline = "abc"\n');
    assert.equal(setTomlKey('', TABLE, 'baseline', '"abc"'), '[tool.schema-warden]\nbaseline = "abc"\n');
  });

  it('replaces only the value of an existing key (spacing, trailing comment, multi-line value)', () => {
    const text =
      `[tool.schema-warden]\nselect = ["ALL"]\nbaseline  =  [\n  "a1",   # old ` +
      `head\n  "b2",\n]  # accepted on adoption day\nignore = ["SW201"]\n\n[tool.other]\nbaseline ` +
      `= "untouched"\n`;
    assert.equal(
      setTomlKey(text, TABLE, 'baseline', '["c3", "d4"]'),
      `[tool.schema-warden]\nselect = ["ALL"]\nbaseline  =  ["c3", "d4"]  # accepted on adoption ` +
        `day\nignore = ["SW201"]\n\n[tool.other]\nbaseline = "untouched"\n`,
    );
  });

  it('adds the key after the last key of the table, before a sub-table and its comments', () => {
    const text = `[tool."schema-warden"]   # quoted key\nignore = ["SW201"]\n\n# severities\n[tool.schema-warden.severity]\nSW206 = "off"\n`;
    assert.equal(
      setTomlKey(text, TABLE, 'baseline', '"e5"'),
      `[tool."schema-warden"]   # quoted key\nignore = ["SW201"]\nbaseline = "e5"\n\n# severities\n[tool.schema-warden.severity]\nSW206 = "off"\n`,
    );
    assert.equal(
      setTomlKey('[tool.schema-warden]\n', TABLE, 'baseline', '"e5"'),
      '[tool.schema-warden]\nbaseline = "e5"\n',
    );
  });

  it('in schema-warden.toml, the key goes at the top level, before the first table', () => {
    assert.equal(
      setTomlKey('# policy\n\n[severity]\nSW206 = "off"\n', [], 'baseline', '"f6"'),
      '# policy\n\nbaseline = "f6"\n\n[severity]\nSW206 = "off"\n',
    );
    assert.equal(
      setTomlKey("s = '''\n[not a table]\n'''\n", [], 'baseline', '"f6"'),
      "s = '''\n[not a table]\n'''\nbaseline = \"f6\"\n",
    );
  });

  it('refuses a layout it cannot edit without touching anything else, writing nothing', () => {
    // The table written as dotted keys at the top level: appending a [tool.schema-warden] header would redefine it.
    assert.throws(
      () => setTomlKey('tool.schema-warden.ignore = ["SW201"]\n', TABLE, 'baseline', '"a1"'),
      TomlEditError,
    );
  });
});
