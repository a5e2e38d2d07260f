/** NSG semantics: parsing and normalizing ARM bodies, effective exposure, and the semantic diff against a baseline. */

export * from './types';
export {
  ALL_PORTS,
  MAX_PORT,
  MIN_PORT,
  formatRange,
  formatRanges,
  intersectRanges,
  isAllPorts,
  mergeRanges,
  parsePortList,
  parsePortRange,
  rangesContain,
  rangesCover,
  rangesEqual,
  subtractRanges,
} from './ports';
export {
  addressPrefixKey,
  compareAddressPrefixes,
  isVirtualNetworkTag,
  parseAddressPrefix,
  prefixCovers,
  sameAddressPrefix,
  sourceClassOf,
  uniqueSortedPrefixes,
} from './addresses';
export {
  MAX_USER_PRIORITY,
  MIN_USER_PRIORITY,
  classifyNetworkBody,
  compareRules,
  defaultSecurityRules,
  normalizeNsg,
  normalizeSecurityRule,
  nsgsFromBody,
  nsgsFromListBody,
  securityRulesFromListBody,
  type NetworkBodyKind,
  type NormalizeNsgOptions,
  type NormalizeRuleOptions,
} from './normalize';
export { SOURCE_CLASS_ORDER, effectiveExposure } from './exposure';
export { diffNsg, isSecurityRelevant, ruleChanges, ruleDrift } from './diff';
