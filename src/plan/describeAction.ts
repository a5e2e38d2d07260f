import type { PlanAction } from './types';

/** One line a human reads for a plan action, the same in the CLI, the approval page and the Teams card. */
export function describeAction(a: PlanAction): string {
  switch (a.type) {
    case 'deleteSecurityRule':
      return `delete rule '${a.rule}'`;
    case 'restoreSecurityRule':
      return `restore rule '${a.rule}' to its baseline properties`;
    case 'createSecurityRule':
      return `re-create baseline rule '${a.rule}'`;
  }
}
