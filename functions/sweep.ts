/** The reconciliation timer: re-checks every baselined NSG, so a lost or late event still ends in a remediation. */
import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { services } from '../src/app/services';
import { FunctionNames } from '../src/remediation/names';
import { sweepBaselines } from '../src/remediation/sweep';

export async function driftSweepHandler(_timer: Timer, client: DurableClient, context: InvocationContext): Promise<void> {
  const s = services();
  const result = await sweepBaselines(s.baselines, client, s.config.monitoredScopes);
  context.log(`sweep: ${result.started.length} started, ${result.alreadyRunning.length} already running, ${result.outOfScope.length} out of scope`);
  for (const problem of result.unreadable) context.error(`sweep skipped an unreadable baseline: ${problem}`);
}

df.app.client.timer(FunctionNames.sweep, {
  // An NCRONTAB expression from the app settings, e.g. `0 */15 * * * *` (every 15 minutes); it must be set.
  schedule: '%DRIFTWARDEN_SWEEP_SCHEDULE%',
  handler: driftSweepHandler,
});
