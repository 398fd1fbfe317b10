import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderRuleDocs, renderRuleTable } from '../server/src/rules/renderDocs';

/** Writes docs/rules/ and the rule table in README.md from the rules' metadata. */
const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'docs', 'rules');
fs.mkdirSync(dir, { recursive: true });
const files = renderRuleDocs();
for (const existing of fs.readdirSync(dir)) {
  if (existing.endsWith('.md') && !files.has(existing)) fs.unlinkSync(path.join(dir, existing));
}
for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);

const readme = path.join(root, 'README.md');
if (fs.existsSync(readme)) {
  const text = fs.readFileSync(readme, 'utf8');
  const updated = text.replace(
    /<!-- rules:start -->[\s\S]*<!-- rules:end -->/,
    `<!-- rules:start -->\n${renderRuleTable('docs/rules/')}\n<!-- rules:end -->`,
  );
  fs.writeFileSync(readme, updated);
}
console.log(`wrote ${files.size} files to docs/rules/`);
