/**
 * Function and event names. They are public: function names become ARM ids the Event Grid subscription points
 * at, and renaming an orchestrator or activity breaks instances that are waiting for an approval. Never rename
 * one casually; add a new name and drain the old.
 */
export const FunctionNames = {
  intake: 'driftIntake',
  webhook: 'driftWebhook',
  orchestrator: 'nsgRemediation',
  sweep: 'driftSweep',
  approvalPage: 'approvalPage',
  approvalDecision: 'approvalDecision',
  activities: {
    evaluate: 'evaluateNsgDrift',
    issueLinks: 'issueApprovalLinks',
    notify: 'notifyTeams',
    apply: 'applyNsgPlan',
    verify: 'verifyNsgRemediation',
    acceptBaseline: 'acceptNsgBaseline',
    audit: 'recordAudit',
    confirmDecision: 'confirmApprovalDecision',
  },
} as const;

/** The one external event an NSG orchestration listens for: decisions and "the NSG changed again" signals. */
export const REMEDIATION_EVENT = 'RemediationEvent';
