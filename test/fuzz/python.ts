import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Compiles many Python sources with the real CPython in one interpreter run (`py_compile` per
 * file): starting Python once per fix would cost more than everything else in the suite.
 * Returns, for each source, undefined when it compiles or CPython's error message.
 */
const SCRIPT = `
import json, os, py_compile, sys
folder = sys.argv[1]
errors = {}
for name in sorted(os.listdir(folder)):
    if not name.endswith('.py'):
        continue
    try:
        py_compile.compile(os.path.join(folder, name), cfile=os.path.join(folder, name + 'c'), doraise=True)
    except py_compile.PyCompileError as e:
        errors[name[:-3]] = str(e.msg).strip().splitlines()[-1]
    except Exception as e:
        errors[name[:-3]] = type(e).__name__ + ': ' + str(e)
print(json.dumps(errors))
`;

export function pythonAvailable(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function compileWithCPython(sources: readonly string[]): Array<string | undefined> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-pycompile-'));
  try {
    sources.forEach((source, i) => fs.writeFileSync(path.join(dir, `f${String(i).padStart(6, '0')}.py`), source));
    const out = execFileSync('python3', ['-c', SCRIPT, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const errors = JSON.parse(out) as Record<string, string>;
    return sources.map((_, i) => errors[`f${String(i).padStart(6, '0')}`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
