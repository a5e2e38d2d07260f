/** Activity: post a card to Teams and record whether it arrived. Never throws: Teams never blocks a remediation. */
import { type RemediationNotice, teamsMessage } from '../../notify/teamsCard';
import type { NotifyResult } from '../../gateways/types';
import type { RemediationServices } from '../services';

export async function notifyTeams(input: { notice: RemediationNotice; instanceId: string }, services: RemediationServices): Promise<NotifyResult> {
  const result = await services.notifier.post(teamsMessage(input.notice));
  await services.audit.append({
    type: result.delivered ? 'notificationSent' : 'notificationFailed',
    resourceId: input.notice.resourceId,
    time: services.now().toISOString(),
    instanceId: input.instanceId,
    outcome: input.notice.stage,
    detail: result.delivered ? `Teams card "${input.notice.stage}" delivered (${result.status}, attempt ${result.attempts})` : `Teams card "${input.notice.stage}" NOT delivered after ${result.attempts} attempt(s): ${result.error}`,
  });
  return result;
}
