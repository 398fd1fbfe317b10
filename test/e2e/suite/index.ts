// The standard @vscode/test-electron entry: the editor's extension host loads this module (the
// `extensionTestsPath`) and awaits `run()`. The same file runs in desktop VS Code (route A) and in
// code-server's extension host driven by headless Chromium (route B); the extension host is Node
// in both, so mocha is required as usual.
//
// Environment (read in the extension host, which inherits the launcher's environment):
//   E2E_GREP         only run tests whose full title matches this regular expression
//   E2E_RESULT_FILE  where to write {passed, failed, pending, failures[]} as JSON for the launcher
//   E2E_UNTRUSTED=1  the window is in restricted mode (run.ts): only untrusted.e2e.js runs; without
//                    it, every suite but that one
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith('.e2e.js')) found.push(full);
  }
  return found.sort();
}

/** The suite that needs a window in restricted mode; the others need a trusted one. */
const UNTRUSTED_SUITE = 'untrusted.e2e.js';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000, slow: 5_000 });
  if (process.env.E2E_GREP) mocha.grep(new RegExp(process.env.E2E_GREP));
  const untrusted = process.env.E2E_UNTRUSTED === '1';
  for (const file of findTests(__dirname)) {
    if ((path.basename(file) === UNTRUSTED_SUITE) === untrusted) mocha.addFile(file);
  }

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        const passed = stats.passes ?? 0;
        const failed = stats.failures ?? failures;
        if (process.env.E2E_RESULT_FILE) {
          const failedTitles = failedTests.map((t) => ({ title: t.title, error: t.error }));
          fs.writeFileSync(
            process.env.E2E_RESULT_FILE,
            JSON.stringify({ passed, failed, pending: stats.pending ?? 0, failures: failedTitles }, null, 2),
          );
        }
        // The last line of the suite's output; the launchers repeat it as their own last line.
        console.log(`${passed} passed, ${failed} failed`);
        if (failed > 0) reject(new Error(`${failed} e2e test(s) failed.`));
        else if (passed === 0) reject(new Error('no e2e test ran (check E2E_GREP).'));
        else resolve();
      });
      const failedTests: { title: string; error: string }[] = [];
      runner.on('fail', (test, err: Error) =>
        failedTests.push({ title: test.fullTitle(), error: String(err?.message ?? err) }),
      );
    } catch (err) {
      console.error(err);
      reject(err);
    }
  });
}
