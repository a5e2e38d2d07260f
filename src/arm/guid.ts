/**
 * GUIDs. ARM events carry principal and role ids without dashes in `authorization.evidence` and with dashes in
 * `claims`; role definition ids come subscription-qualified or tenant-level. All of them compare through here.
 */

const HEX32 = /^[0-9a-f]{32}$/;

/** Canonical form: lower case, dashed 8-4-4-4-12. Returns undefined when the input is not a GUID. */
export function normalizeGuid(value: string): string | undefined {
  const hex = value.trim().replace(/^\{|\}$/g, '').replace(/-/g, '').toLowerCase();
  if (!HEX32.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isGuid(value: string): boolean {
  return normalizeGuid(value) !== undefined;
}

/** Equality of two GUIDs written with or without dashes, in any case. Non-GUIDs compare case-insensitively. */
export function sameGuid(a: string, b: string): boolean {
  const na = normalizeGuid(a);
  const nb = normalizeGuid(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The trailing GUID of an id such as `/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
export function trailingGuid(id: string): string | undefined {
  const last = id.trim().replace(/\/+$/, '').split('/').pop() ?? '';
  return normalizeGuid(last);
}
