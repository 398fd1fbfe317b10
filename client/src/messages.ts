import lc = require('vscode-languageclient/node'); // see extension.ts
import { Methods, type Notifications, type Requests } from '../../server/src/shared/protocol';

/** server/src/shared/protocol.ts's messages as vscode-languageclient's typed messages. */
type Req<K extends keyof Requests> = Requests[K]['params'] extends void
  ? lc.RequestType0<Requests[K]['result'], void>
  : lc.RequestType<Requests[K]['params'], Requests[K]['result'], void>;

function request<K extends keyof Requests>(method: K, hasParams: boolean): Req<K> {
  return (hasParams ? new lc.RequestType(method) : new lc.RequestType0(method)) as Req<K>;
}

export const StatusNotification = new lc.NotificationType<Notifications[typeof Methods.status]>(Methods.status);
export const ListRulesRequest = request(Methods.listRules, false);
export const ListRevisionsRequest = request(Methods.listRevisions, true);
export const NewDecisionRequest = request(Methods.newDecision, true);
export const LintWorkspaceRequest = request(Methods.lintWorkspace, false);
