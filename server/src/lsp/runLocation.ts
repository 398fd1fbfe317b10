// schemaWarden/runLocation: where the runner in the editor runs Alembic for the alembic.ini it
// found. The answer is project discovery's (model/discovery.ts), the one home for layouts, which
// the client may not import (it reaches the server only through the protocol).
import * as path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import { alembicRunLocation } from '../model/discovery';
import type { RunLocation } from '../shared/protocol';
import { paramsOf } from './params';

export function runLocationOf(params: unknown): RunLocation {
  const { configFile, revisionFile } = paramsOf(params);
  if (typeof configFile !== 'string' || !path.isAbsolute(configFile))
    throw new ResponseError(ErrorCodes.InvalidParams, 'schemaWarden/runLocation needs configFile: an absolute path');
  if (revisionFile !== undefined && (typeof revisionFile !== 'string' || !path.isAbsolute(revisionFile)))
    throw new ResponseError(
      ErrorCodes.InvalidParams,
      'schemaWarden/runLocation: revisionFile must be an absolute path',
    );
  // The revision at hand picks its history when alembic.ini keeps several in named sections.
  return alembicRunLocation(configFile, revisionFile);
}
