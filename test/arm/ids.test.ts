import { normalizeGuid, sameGuid, trailingGuid } from '../../src/arm/guid';
import { normalizeResourceId, parentResourceId, parseResourceId, resourceTypeOf } from '../../src/arm/resourceId';

describe('ARM ids', () => {
  const rule = '/subscriptions/SUB1/resourceGroups/RG-ML/providers/Microsoft.Network/networkSecurityGroups/NSG-Train/securityRules/Allow-SSH';

  test('normalize lower-cases and cleans slashes', () => {
    expect(normalizeResourceId(`subscriptions//SUB1/resourceGroups/RG/ `)).toBe('/subscriptions/sub1/resourcegroups/rg');
    expect(normalizeResourceId(rule)).toBe(
      '/subscriptions/sub1/resourcegroups/rg-ml/providers/microsoft.network/networksecuritygroups/nsg-train/securityrules/allow-ssh',
    );
  });

  test('parse keeps name casing and finds type pairs', () => {
    expect(parseResourceId(rule)).toEqual({
      subscriptionId: 'SUB1',
      resourceGroup: 'RG-ML',
      provider: 'Microsoft.Network',
      resources: [
        { type: 'networkSecurityGroups', name: 'NSG-Train' },
        { type: 'securityRules', name: 'Allow-SSH' },
      ],
    });
    expect(resourceTypeOf(rule)).toBe('microsoft.network/networksecuritygroups/securityrules');
    expect(parentResourceId(rule)).toBe(
      '/subscriptions/SUB1/resourceGroups/RG-ML/providers/Microsoft.Network/networkSecurityGroups/NSG-Train',
    );
    expect(parseResourceId('/subscriptions/s/resourceGroups/r')).toEqual({ subscriptionId: 's', resourceGroup: 'r', resources: [] });
  });

  test('GUIDs with or without dashes are the same GUID', () => {
    expect(normalizeGuid('B24988AC618042A0AB8820F7382DD24C')).toBe('b24988ac-6180-42a0-ab88-20f7382dd24c');
    expect(sameGuid('b24988ac618042a0ab8820f7382dd24c', '{B24988AC-6180-42A0-AB88-20F7382DD24C}')).toBe(true);
    expect(normalizeGuid('not-a-guid')).toBeUndefined();
    expect(trailingGuid('/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635')).toBe(
      '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    );
  });
});
