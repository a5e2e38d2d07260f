import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EXAMPLES = join(__dirname, '..', '..', 'examples');
export { CORPUS } from './corpus';

export function exampleJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES, name), 'utf8')) as T;
}

/** A deep copy of the sample NSG with `edit` applied to its `properties.securityRules`. */
export function editedNsg(edit: (rules: Record<string, any>[]) => void, etag = 'W/"edited"'): Record<string, any> {
  const body = exampleJson<Record<string, any>>('nsg-ml-training.json');
  body.etag = etag;
  edit(body.properties.securityRules);
  return body;
}

export function ruleBody(name: string, props: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    properties: {
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      access: 'Allow',
      direction: 'Inbound',
      ...props,
    },
  };
}
