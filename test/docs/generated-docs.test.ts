import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderRuleDocs, renderRuleTable } from '../../server/src/rules/renderDocs';

const root = path.resolve(__dirname, '../../..');

describe('generated documentation', () => {
  const files = renderRuleDocs();

  for (const [name, text] of files) {
    it(`docs/rules/${name} is up to date`, () => {
      const file = path.join(root, 'docs', 'rules', name);
      assert.ok(fs.existsSync(file), `${file} is missing: run npm run docs`);
      assert.equal(fs.readFileSync(file, 'utf8'), text, `docs/rules/${name} is stale: run npm run docs`);
    });
  }

  it('docs/rules/ has no page of a rule that no longer exists', () => {
    const stale = fs.readdirSync(path.join(root, 'docs', 'rules')).filter((f) => f.endsWith('.md') && !files.has(f));
    assert.deepEqual(stale, []);
  });

  it("the README's rule table is up to date", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const match = /<!-- rules:start -->\n([\s\S]*)\n<!-- rules:end -->/.exec(readme);
    assert.ok(match, 'README.md has no <!-- rules:start --> … <!-- rules:end --> block');
    assert.equal(match[1], renderRuleTable('docs/rules/'), 'README rule table is stale: run npm run docs');
  });
});
