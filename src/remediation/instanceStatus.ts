import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** An instance's status, or undefined when there is no such instance. */
export async function findInstance(client: Pick<DurableClient, 'getStatus'>, instanceId: string): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId);
  } catch (err) {
    // The client reports an unknown instance as an error mentioning the extension's 404.
    if (/HTTP 404/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** Whether an orchestration instance exists and has not finished. */
export async function isRunning(client: Pick<DurableClient, 'getStatus'>, instanceId: string): Promise<boolean> {
  const status = await findInstance(client, instanceId);
  return status !== undefined && ACTIVE.has(String(status.runtimeStatus));
}
