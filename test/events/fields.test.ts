import { canonicalGuidOrSelf } from '../../src/events/actor';
import { isRfc3339, requiredTime } from '../../src/events/fields';
import { classifyResourceId, lastSegment, resourceTypeOfOperation } from '../../src/events/resourceKind';

describe('event field helpers', () => {
  test('RFC 3339 times pass the fast check; other Date.parse formats still pass; nonsense does not', () => {
    for (const ok of ['2018-10-08T22:46:22.6022559Z', '2026-12-03T10:15:04Z', '2026-12-03t10:15:04z', '2026-12-03T10:15:04.5+01:00', '2016-12-31T23:59:60Z']) {
      expect(isRfc3339(ok)).toBe(true);
    }
    for (const bad of ['2026-13-03T10:15:04Z', '2026-12-03T24:00:00Z', '2026-12-03T10:15:04', '2026-12-03T10:15:04.Z', '2026-12-03T10:15:04+0100', '2026-12-03 10:15:04Z']) {
      expect(isRfc3339(bad)).toBe(false);
    }
    expect(requiredTime('Tue, 03 Dec 2026 10:00:00 GMT', 'time')).toBe('Tue, 03 Dec 2026 10:00:00 GMT');
    expect(requiredTime(' 2026-12-03T10:15:04Z ', 'time')).toBe('2026-12-03T10:15:04Z');
    expect(() => requiredTime('2026-13-45T99:00:00Z', 'eventTime')).toThrow('eventTime: not a valid time (got "2026-13-45T99:00:00Z")');
  });

  test('GUIDs come out canonical; anything else is left as written', () => {
    const canonical = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
    expect(canonicalGuidOrSelf(canonical)).toBe(canonical);
    expect(canonicalGuidOrSelf('B24988AC-6180-42A0-AB88-20F7382DD24C')).toBe(canonical);
    expect(canonicalGuidOrSelf('b24988ac618042a0ab8820f7382dd24c')).toBe(canonical);
    expect(canonicalGuidOrSelf('{b24988ac-6180-42a0-ab88-20f7382dd24c}')).toBe(canonical);
    expect(canonicalGuidOrSelf('{ID}')).toBe('{ID}');
    expect(canonicalGuidOrSelf('Not-A-Guid')).toBe('Not-A-Guid');
  });

  test('operation names and ids map to kinds by shape', () => {
    expect(resourceTypeOfOperation('Microsoft.EventHub/namespaces/AuthorizationRules/listKeys/action')).toBe('microsoft.eventhub/namespaces/authorizationrules');
    expect(resourceTypeOfOperation('Microsoft.Authorization/roleAssignments/delete')).toBe('microsoft.authorization/roleassignments');
    expect(resourceTypeOfOperation('read')).toBeUndefined();
    expect(classifyResourceId('/subscriptions/s/resourcegroups/r/providers/microsoft.network/networksecuritygroups/n/securityrules/x')).toBe('securityRule');
    expect(classifyResourceId('/subscriptions/s/resourcegroups/r/providers/microsoft.network/networksecuritygroups/n/securityrules/')).toBe('other');
    expect(classifyResourceId('/subscriptions/s/resourcegroups/r/providers/microsoft.network/networksecuritygroups/n/providers/microsoft.insights/diagnosticsettings/d')).toBe('other');
    expect(classifyResourceId('/subscriptions/s/resourcegroups/r/providers/microsoft.network/networksecuritygroups/n/defaultsecurityrules/x')).toBe('other');
    expect(lastSegment('/a/b/Allow-SSH/ ')).toBe('Allow-SSH');
  });
});
