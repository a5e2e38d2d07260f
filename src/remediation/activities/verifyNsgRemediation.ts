/** Activity: read the NSG back and re-evaluate: a remediation counts only when nothing unsafe is left. */
import { evaluateNsg, hasUnsafeDrift } from '../../evaluate/evaluateNsg';
import type { ExposureEntry } from '../../network/types';
import type { RemediationPlan } from '../../plan/types';
import type { RemediationServices } from '../services';
import type { VerifyOutcome } from '../types';

export interface VerifyInput {
  nsgId: string;
  plan: RemediationPlan;
  /** What was newly reachable when the plan was made. */
  exposureBefore: ExposureEntry[];
}

export async function verifyNsgRemediation(input: VerifyInput, services: RemediationServices): Promise<VerifyOutcome> {
  const [current, baseline] = await Promise.all([services.network.getNsg(input.nsgId), services.baselines.get(input.nsgId)]);
  if (!current || !baseline) return { verified: false, etag: current?.etag ?? '', remaining: [], exposureClosed: [] };
  const evaluation = evaluateNsg({ current: current.body, currentEtag: current.etag, baseline, policy: services.policy, now: services.now().toISOString() });
  const remaining = evaluation.findings
    .filter((f) => f.exemption === undefined)
    .map((f) => ({ id: f.id, rule: f.rule, severity: f.severity, title: f.title, exempted: false }));
  const stillOpen = evaluation.exposureAdded;
  const exposureClosed = input.exposureBefore.filter(
    (before) =>
      !stillOpen.some(
        (now) => now.protocol === before.protocol && now.sourceClass === before.sourceClass && now.fromPort <= before.toPort && before.fromPort <= now.toPort,
      ),
  );
  return { verified: !hasUnsafeDrift(evaluation), etag: current.etag, remaining, exposureClosed };
}
