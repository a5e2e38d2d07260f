/**
 * Where an NSG change becomes a plan: current state + baseline + policy → rule drift, new exposure, findings and the
 * remediation plan. Pure; the caller reads the current state (with its etag) and passes the clock in.
 */
import { normalizeResourceId } from '../arm/resourceId';
import type { NsgBaseline } from '../baseline/document';
import { InputError } from '../errors';
import type { NormalizedChange } from '../events/types';
import { diffNsg, normalizeNsg } from '../network';
import type { ExposureEntry, RuleDrift } from '../network/types';
import { planNetworkRevert } from '../plan';
import type { RemediationPlan } from '../plan/types';
import { evaluateNetworkFindings, type Finding } from '../policy/findings';
import type { Policy } from '../policy/types';

export interface NsgEvaluationInput {
  /** ARM NSG body as read now (inline rules). */
  current: unknown;
  /** The NSG's etag as read now (taken from the body when absent). */
  currentEtag?: string;
  baseline: NsgBaseline;
  policy: Policy;
  /** ISO 8601. */
  now: string;
  /** The event that prompted the evaluation, when there was one; it must concern this NSG. */
  change?: NormalizedChange;
}

export interface NsgEvaluation {
  resourceId: string;
  baselineVersion: number;
  change?: Pick<NormalizedChange, 'eventId' | 'kind' | 'operation' | 'resourceId' | 'ruleName' | 'time' | 'actor' | 'correlationId'>;
  drift: RuleDrift[];
  exposureAdded: ExposureEntry[];
  exposureRemoved: ExposureEntry[];
  findings: Finding[];
  plan: RemediationPlan;
}

export function evaluateNsg(input: NsgEvaluationInput): NsgEvaluation {
  if (typeof input.current !== 'object' || input.current === null) {
    throw new InputError('current', input.current, 'must be an ARM network security group body');
  }
  const currentBody = input.current as Record<string, unknown>;
  const current = normalizeNsg(currentBody, 'current');
  const baseline = normalizeNsg(input.baseline.nsg, 'baseline.nsg');
  const resourceId = current.id || input.baseline.resourceId;
  if (current.id && normalizeResourceId(current.id) !== input.baseline.resourceId) {
    throw new InputError('baseline.resourceId', input.baseline.resourceId, `is for another NSG than the current state (${current.id})`);
  }
  if (input.change) {
    const target = input.change.nsgId ?? input.change.resourceId;
    if (normalizeResourceId(target) !== resourceId) {
      throw new InputError('event.resourceId', input.change.resourceId, `does not concern the NSG in the current state (${resourceId})`);
    }
  }
  const diff = diffNsg(baseline, current);
  const findings = evaluateNetworkFindings({
    nsgId: resourceId,
    exposureAdded: diff.exposureAdded,
    policy: input.policy,
    now: input.now,
  });
  const etag = input.currentEtag ?? current.etag;
  const plan = planNetworkRevert({
    baseline: { nsg: baseline, body: input.baseline.nsg, version: input.baseline.version },
    current: { nsg: current, body: currentBody, ...(etag ? { etag } : {}) },
    drift: diff.drift,
    findings,
    policy: input.policy,
    now: input.now,
  });
  return {
    resourceId,
    baselineVersion: input.baseline.version,
    ...(input.change ? { change: pickChange(input.change) } : {}),
    drift: diff.drift,
    exposureAdded: diff.exposureAdded,
    exposureRemoved: diff.exposureRemoved,
    findings,
    plan,
  };
}

/** True when the evaluation found drift that policy says is unsafe (and not exempted). */
export function hasUnsafeDrift(evaluation: NsgEvaluation): boolean {
  return evaluation.findings.some((f) => f.exemption === undefined);
}

function pickChange(c: NormalizedChange): NsgEvaluation['change'] {
  return {
    eventId: c.eventId,
    kind: c.kind,
    operation: c.operation,
    resourceId: c.resourceId,
    ...(c.ruleName ? { ruleName: c.ruleName } : {}),
    time: c.time,
    actor: c.actor,
    ...(c.correlationId ? { correlationId: c.correlationId } : {}),
  };
}
