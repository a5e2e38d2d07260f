import type { DurableClient } from 'durable-functions';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** Whether an orchestration instance exists and has not finished (an unknown instance is not running). */
export async function isRunning(client: Pick<DurableClient, 'getStatus'>, instanceId: string): Promise<boolean> {
  try {
    return ACTIVE.has(String((await client.getStatus(instanceId)).runtimeStatus));
  } catch (err) {
    // The client reports an unknown instance as an error mentioning the extension's 404.
    if (/HTTP 404/.test((err as Error).message)) return false;
    throw err;
  }
}
