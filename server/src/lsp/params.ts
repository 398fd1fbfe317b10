// Checks of the parameters a client sends. The types vscode-languageserver gives the handlers are
// what a well-behaved client sends; these say, in words for the log, what a message lacks.
// Each returns undefined when the value is well-formed, else the problem.

import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { ServerLog } from './log';

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The params of a message as an object ({} when there are none or they are not an object). */
export function paramsOf(params: unknown): Json {
  return isObject(params) ? params : {};
}

/** LSP's `uinteger`. JSON has no NaN or Infinity: a client's NaN arrives as null. */
const isUinteger = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2 ** 31 - 1;

/** A value as the log shows it: "missing", "null", "-1", "\"a\"", "an object" … */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

export function documentProblem(value: unknown, name = 'textDocument'): string | undefined {
  if (!isObject(value)) return `${name} is ${describe(value)}, not an object`;
  if (typeof value.uri !== 'string') return `${name}.uri is ${describe(value.uri)}, not a string`;
  return undefined;
}

/** A TextDocumentItem (didOpen): uri and text are needed; version and languageId have defaults. */
export function documentItemProblem(value: unknown): string | undefined {
  const problem = documentProblem(value);
  if (problem || !isObject(value)) return problem;
  if (typeof value.text !== 'string') return `textDocument.text is ${describe(value.text)}, not a string`;
  return undefined;
}

export function versionedDocumentProblem(value: unknown): string | undefined {
  const problem = documentProblem(value);
  if (problem || !isObject(value)) return problem;
  if (typeof value.version !== 'number' || !Number.isInteger(value.version))
    return `textDocument.version is ${describe(value.version)}, not an integer`;
  return undefined;
}

export function positionProblem(value: unknown, name = 'position'): string | undefined {
  if (!isObject(value)) return `${name} is ${describe(value)}, not a {line, character} object`;
  for (const key of ['line', 'character']) {
    if (!isUinteger(value[key])) return `${name}.${key} is ${describe(value[key])}, not a non-negative integer`;
  }
  return undefined;
}

export function rangeProblem(value: unknown, name = 'range'): string | undefined {
  if (!isObject(value)) return `${name} is ${describe(value)}, not a {start, end} object`;
  return positionProblem(value.start, `${name}.start`) ?? positionProblem(value.end, `${name}.end`);
}

/** didChange's contentChanges: full texts, or texts with a range (in the text before that change). */
export function contentChangesProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `contentChanges is ${describe(value)}, not an array`;
  for (const [i, change] of value.entries()) {
    if (!isObject(change)) return `contentChanges[${i}] is ${describe(change)}, not an object`;
    if (typeof change.text !== 'string') return `contentChanges[${i}].text is ${describe(change.text)}, not a string`;
    if ('range' in change) {
      const problem = rangeProblem(change.range, `contentChanges[${i}].range`);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The same problem with other numbers is the same problem (logged once, not once per keystroke). */
export function problemKey(problem: string): string {
  return problem.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#');
}

/** A request whose params are malformed: answered InvalidParams (saying what is wrong), logged once per kind. */
export function invalidParams(log: ServerLog, method: string, problem: string): ResponseError<void> {
  log.once(`${method}\n\n${problemKey(problem)}`, `Answered ${method} with InvalidParams: ${problem}.`);
  return new ResponseError(ErrorCodes.InvalidParams, `${method}: ${problem}`);
}
