import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver';
import { Methods, type Notifications, type Requests } from '../shared/protocol';

/** server/src/shared/protocol.ts's messages as vscode-languageserver's typed messages. */
type Req<K extends keyof Requests> = Requests[K]['params'] extends void
  ? RequestType0<Requests[K]['result'], void>
  : RequestType<Requests[K]['params'], Requests[K]['result'], void>;

function request<K extends keyof Requests>(method: K, hasParams: boolean): Req<K> {
  return (hasParams ? new RequestType(method) : new RequestType0(method)) as Req<K>;
}

export const StatusNotification = new NotificationType<Notifications[typeof Methods.status]>(Methods.status);
export const ListRulesRequest = request(Methods.listRules, false);
export const ListRevisionsRequest = request(Methods.listRevisions, true);
export const NewDecisionRequest = request(Methods.newDecision, true);
export const LintWorkspaceRequest = request(Methods.lintWorkspace, false);
