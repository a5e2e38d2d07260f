/**
 * The six rules Azure puts in every NSG (`defaultSecurityRules`). Bodies from spec examples, PUT requests and
 * some tools omit them, yet they decide what is reachable (VNet and load-balancer traffic in, Internet out), so
 * a body without them is given them, exactly as Azure returns them.
 */

export const DEFAULT_RULE_BODIES: readonly { name: string; properties: Record<string, unknown> }[] = [
  {
    name: 'AllowVnetInBound',
    properties: {
      description: 'Allow inbound traffic from all VMs in VNET',
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: 'VirtualNetwork',
      destinationAddressPrefix: 'VirtualNetwork',
      access: 'Allow',
      priority: 65000,
      direction: 'Inbound',
    },
  },
  {
    name: 'AllowAzureLoadBalancerInBound',
    properties: {
      description: 'Allow inbound traffic from azure load balancer',
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: 'AzureLoadBalancer',
      destinationAddressPrefix: '*',
      access: 'Allow',
      priority: 65001,
      direction: 'Inbound',
    },
  },
  {
    name: 'DenyAllInBound',
    properties: {
      description: 'Deny all inbound traffic',
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
      access: 'Deny',
      priority: 65500,
      direction: 'Inbound',
    },
  },
  {
    name: 'AllowVnetOutBound',
    properties: {
      description: 'Allow outbound traffic from all VMs to all VMs in VNET',
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: 'VirtualNetwork',
      destinationAddressPrefix: 'VirtualNetwork',
      access: 'Allow',
      priority: 65000,
      direction: 'Outbound',
    },
  },
  {
    name: 'AllowInternetOutBound',
    properties: {
      description: 'Allow outbound traffic from all VMs to Internet',
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: 'Internet',
      access: 'Allow',
      priority: 65001,
      direction: 'Outbound',
    },
  },
  {
    name: 'DenyAllOutBound',
    properties: {
      description: 'Deny all outbound traffic',
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
      access: 'Deny',
      priority: 65500,
      direction: 'Outbound',
    },
  },
];
