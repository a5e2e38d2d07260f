/**
 * What the Functions host is given: every function name (public — Event Grid subscriptions and waiting
 * orchestrations depend on them) with its trigger and bindings, exactly as the worker would register them.
 */
interface Registration {
  metadata: { name: string; bindings: Record<string, { type: string; direction: string; [key: string]: unknown }> };
  handler: (...args: unknown[]) => unknown;
}

const mockRegistered: Record<string, Registration> = {};

jest.mock(
  '@azure/functions-core',
  () => ({
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    registerFunction: (metadata: Registration['metadata'], handler: Registration['handler']) => {
      mockRegistered[metadata.name] = { metadata, handler };
      return { dispose: () => undefined };
    },
  }),
  { virtual: true },
);

describe('function registrations', () => {
  beforeAll(() => {
    for (const module of ['intake', 'remediation', 'approval', 'sweep']) jest.requireActual(`../../functions/${module}`);
  });

  const shape = (name: string) =>
    Object.values(mockRegistered[name]!.metadata.bindings)
      .map((b) => `${b.direction}:${b.type}`)
      .sort();

  test('every public name with its trigger and bindings', () => {
    expect(Object.fromEntries(Object.keys(mockRegistered).sort().map((n) => [n, shape(n)]))).toEqual({
      acceptNsgBaseline: ['in:activityTrigger'],
      applyNsgPlan: ['in:activityTrigger'],
      confirmApprovalDecision: ['in:activityTrigger'],
      approvalDecision: ['in:durableClient', 'in:httpTrigger', 'out:http'],
      approvalPage: ['in:durableClient', 'in:httpTrigger', 'out:http'],
      driftIntake: ['in:durableClient', 'in:eventGridTrigger'],
      driftSweep: ['in:durableClient', 'in:timerTrigger'],
      driftWebhook: ['in:durableClient', 'in:httpTrigger', 'out:http'],
      evaluateNsgDrift: ['in:activityTrigger'],
      issueApprovalLinks: ['in:activityTrigger'],
      notifyTeams: ['in:activityTrigger'],
      nsgRemediation: ['in:orchestrationTrigger'],
      recordAudit: ['in:activityTrigger'],
      verifyNsgRemediation: ['in:activityTrigger'],
    });
  });

  const trigger = (name: string) => Object.values(mockRegistered[name]!.metadata.bindings).find((b) => b.direction === 'in' && b.type.endsWith('Trigger'))!;

  test('the webhook is function-key protected; the approval endpoints are anonymous (the link token and sign-in protect them)', () => {
    expect(trigger('driftWebhook')).toMatchObject({ methods: ['POST', 'OPTIONS'], authLevel: 'function', route: 'events' });
    expect(trigger('approvalPage')).toMatchObject({ methods: ['GET'], authLevel: 'anonymous', route: 'approvals/{instanceId}' });
    expect(trigger('approvalDecision')).toMatchObject({ methods: ['POST'], authLevel: 'anonymous', route: 'approvals/{instanceId}/decision' });
  });

  test('the sweep runs on the schedule from the app settings', () => {
    expect(trigger('driftSweep')).toMatchObject({ schedule: '%DRIFTWARDEN_SWEEP_SCHEDULE%' });
  });
});
