/**
 * Registrations of the NSG remediation orchestration and its activities. Names are public (see
 * src/remediation/names.ts): renaming one breaks instances that are waiting for an approval.
 */
import * as df from 'durable-functions';
import { services } from '../src/app/services';
import { acceptNsgBaseline } from '../src/remediation/activities/acceptNsgBaseline';
import { applyNsgPlan } from '../src/remediation/activities/applyNsgPlan';
import { confirmApprovalDecision } from '../src/remediation/activities/confirmApprovalDecision';
import { evaluateNsgDrift } from '../src/remediation/activities/evaluateNsgDrift';
import { issueApprovalLinks } from '../src/remediation/activities/issueApprovalLinks';
import { notifyTeams } from '../src/remediation/activities/notifyTeams';
import { recordAudit } from '../src/remediation/activities/recordAudit';
import { verifyNsgRemediation } from '../src/remediation/activities/verifyNsgRemediation';
import { FunctionNames } from '../src/remediation/names';
import { nsgRemediationOrchestrator } from '../src/remediation/nsgRemediationOrchestrator';

const A = FunctionNames.activities;

df.app.orchestration(FunctionNames.orchestrator, nsgRemediationOrchestrator);
df.app.activity(A.evaluate, { handler: (input: Parameters<typeof evaluateNsgDrift>[0]) => evaluateNsgDrift(input, services()) });
df.app.activity(A.issueLinks, { handler: (input: Parameters<typeof issueApprovalLinks>[0]) => issueApprovalLinks(input, services()) });
df.app.activity(A.notify, { handler: (input: Parameters<typeof notifyTeams>[0]) => notifyTeams(input, services()) });
df.app.activity(A.apply, { handler: (input: Parameters<typeof applyNsgPlan>[0]) => applyNsgPlan(input, services()) });
df.app.activity(A.verify, { handler: (input: Parameters<typeof verifyNsgRemediation>[0]) => verifyNsgRemediation(input, services()) });
df.app.activity(A.acceptBaseline, { handler: (input: Parameters<typeof acceptNsgBaseline>[0]) => acceptNsgBaseline(input, services()) });
df.app.activity(A.confirmDecision, { handler: (input: Parameters<typeof confirmApprovalDecision>[0]) => confirmApprovalDecision(input, services()) });
df.app.activity(A.audit, { handler: (input: Parameters<typeof recordAudit>[0]) => recordAudit(input, services()) });
