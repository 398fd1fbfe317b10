import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { LICENSES_FILE, licenseAllowed, renderLicenses, shippedPackages } from '../../scripts/licenses';

describe('licences of shipped dependencies', function () {
  this.timeout(120_000);

  it('reads OR/AND licence expressions against the allow-list', () => {
    assert.ok(licenseAllowed('MIT'));
    assert.ok(licenseAllowed('(MIT OR GPL-3.0)'));
    assert.ok(!licenseAllowed('MIT AND GPL-3.0'));
    assert.ok(!licenseAllowed('GPL-3.0'));
    assert.ok(!licenseAllowed('UNKNOWN'));
  });

  it('ships only allowed licences', () => {
    const packages = shippedPackages();
    assert.ok(
      packages.some((p) => p.name === 'web-tree-sitter'),
      'the production tree was read',
    );
    const refused = packages.filter((p) => !licenseAllowed(p.license));
    assert.deepEqual(
      refused.map((p) => `${p.name}@${p.version}: ${p.license}`),
      [],
    );
  });

  it('docs/licenses.md is the generated list (node out/scripts/licenses.js rewrites it)', () => {
    assert.ok(
      fs.existsSync(LICENSES_FILE),
      'docs/licenses.md is missing: run npx tsc -b && node out/scripts/licenses.js',
    );
    assert.equal(
      fs.readFileSync(LICENSES_FILE, 'utf8'),
      renderLicenses(shippedPackages()),
      'docs/licenses.md is out of date: run node out/scripts/licenses.js',
    );
  });
});
