/**
 * The binding data the Durable extension hands to a `durableClient` input. `df.getClient(context)` builds the real
 * `DurableClient` from it; with `rpcBaseUrl` set, every client call is an HTTP request to this host.
 */

export const INSTANCE_ID_PLACEHOLDER = 'INSTANCEID';
/** The extension's system key travels as `code=`; the local host does not check it. */
export const LOCAL_SYSTEM_KEY = 'local';
export const CONNECTION_NAME = 'Storage';

export interface DurableClientData {
  taskHubName: string;
  creationUrls: Record<string, string>;
  managementUrls: Record<string, string>;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
}

/** `/runtime/webhooks/durabletask`: the public API the check-status links point at. */
export const PUBLIC_DURABLE_PATH = '/runtime/webhooks/durabletask';
/** `/durabletask/`: the local RPC endpoint the JS client calls. Both serve the same API. */
export const RPC_DURABLE_PATH = '/durabletask';

function query(taskHubName: string): string {
  return `taskHub=${encodeURIComponent(taskHubName)}&connection=${CONNECTION_NAME}&code=${LOCAL_SYSTEM_KEY}`;
}

/** The extension's HttpManagementPayload links for one instance. */
export function managementUrls(origin: string, taskHubName: string, instanceId: string): Record<string, string> {
  const instance = `${origin}${PUBLIC_DURABLE_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const q = query(taskHubName);
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${q}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${q}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${instance}?${q}`,
    restartPostUri: `${instance}/restart?${q}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${q}`,
    resumePostUri: `${instance}/resume?reason={text}&${q}`,
  };
}

export function durableClientData(origin: string, taskHubName: string): DurableClientData {
  const base = `${origin}${PUBLIC_DURABLE_PATH}`;
  const q = query(taskHubName);
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${q}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
    },
    managementUrls: managementUrls(origin, taskHubName, INSTANCE_ID_PLACEHOLDER),
    baseUrl: base,
    requiredQueryStringParameters: `code=${LOCAL_SYSTEM_KEY}`,
    rpcBaseUrl: `${origin}${RPC_DURABLE_PATH}/`,
  };
}
