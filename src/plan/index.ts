export * from './types';
export { planNetworkRevert, applyRevertsInMemory, type NetworkRevertInput } from './planNetworkRevert';
export { invertPlan, invertAction } from './invertPlan';
export { ruleEtags, ruleSnapshot, sameRule } from './ruleSnapshot';
export { canonicalJson, sha256Hex } from './hash';
export { describeAction } from './describeAction';
