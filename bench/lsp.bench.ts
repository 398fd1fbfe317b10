import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { measureDidChangeLatency, measureWorkspace } from '../test/lsp/latency';
import { figure, median, type Figure } from './figures';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The editor budgets of issue 4, measured over the protocol on the bundled server (dist/server.js)
 * by test/lsp/latency.ts: keystroke latency on an 80-line and a 5,000-line revision alone and on the
 * newest revision of a 1,000-revision workspace, start-up and cross-file re-validation there, and
 * the server's RSS once indexed.
 */
export async function benchmarks(): Promise<Figure[]> {
  const samples = Number(process.env.SAMPLES ?? 200);
  const small = await measureDidChangeLatency(80, samples);
  const large = await measureDidChangeLatency(5000, Math.min(samples, 100));
  const workspace = await measureWorkspace(1000);
  const note = `over stdio, ${small.samples} keystrokes after a JIT warm-up`;
  return [
    figure(`LSP didChange→publishDiagnostics p50, ${small.lines}-line revision`, small.p50, 'ms', 5, note),
    figure(`LSP didChange→publishDiagnostics p99, ${small.lines}-line revision`, small.p99, 'ms', 20, note),
    figure(
      `LSP didChange→publishDiagnostics p50, ${large.lines}-line revision`,
      large.p50,
      'ms',
      null,
      `${large.samples} keystrokes`,
    ),
    figure(
      `LSP didChange→publishDiagnostics p99, ${large.lines}-line revision`,
      large.p99,
      'ms',
      50,
      `${large.samples} keystrokes`,
    ),
    figure(
      `LSP server start → first diagnostics, ${workspace.revisions}-revision workspace`,
      workspace.firstDiagnosticsMs,
      'ms',
      1000,
      "process spawn to the open revision's diagnostics",
    ),
    figure(
      `LSP server start → workspace indexed, ${workspace.revisions} revisions`,
      workspace.indexedMs,
      'ms',
      null,
      workspace.serverLog,
    ),
    figure(
      `LSP didChange→publishDiagnostics p50, newest revision of a ${workspace.revisions}-revision workspace`,
      workspace.keystrokes.p50,
      'ms',
      5,
      `${workspace.keystrokes.samples} keystrokes; the 80-line budget, with the history's schema behind the revision`,
    ),
    figure(
      `LSP didChange→publishDiagnostics p99, newest revision of a ${workspace.revisions}-revision workspace`,
      workspace.keystrokes.p99,
      'ms',
      20,
      `${workspace.keystrokes.samples} keystrokes`,
    ),
    figure(
      'LSP cross-file re-validation after editing one revision',
      workspace.crossFileMs,
      'ms',
      50,
      "didChange of down_revision → status with two heads (includes the server's change debounce)",
    ),
    figure(
      `LSP server RSS, ${workspace.revisions} revisions indexed`,
      workspace.rssMiB,
      'MiB',
      150,
      'VmRSS of the server process',
    ),
    figure(
      'extension bundle load (dist/client.js, vscode stubbed)',
      clientLoadMs(),
      'ms',
      100,
      'median of 5 fresh processes; the part of activation that is ours before the server starts ' +
        '— the real editor\'s figure is in "Developer: Show Running Extensions"',
    ),
  ];
}

/**
 * Loads the client bundle in a fresh process and times require(). `vscode` exists only inside the
 * editor: a stub gives every name the bundle reads from it (found in the bundle's text, outside the
 * timed part) as an empty class, enough for the module-level code (e.g. `extends vscode.TreeItem`).
 */
function clientLoadMs(): number {
  const client = path.join(ROOT, 'dist', 'client.js');
  const script = [
    `const fs=require('fs'),M=require('module');`,
    `const names=new Set([...fs.readFileSync(${JSON.stringify(client)},'utf8').matchAll(/\\b(?:vscode|code)\\w*\\.([A-Za-z_]\\w*)/g)].map(m=>m[1]));`,
    `const stub={};for(const n of names)stub[n]=class{};`,
    `const resolve=M._resolveFilename;M._resolveFilename=function(r,...a){return r==='vscode'?'vscode':resolve.call(this,r,...a)};`,
    `require.cache.vscode={id:'vscode',filename:'vscode',loaded:true,exports:stub};`,
    `const t=process.hrtime.bigint();require(${JSON.stringify(client)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
  ].join('');
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    const ms = Number(r.stdout);
    if (r.status !== 0 || !Number.isFinite(ms)) throw new Error(`loading dist/client.js failed: ${r.stderr}`);
    runs.push(ms);
  }
  return median(runs);
}
