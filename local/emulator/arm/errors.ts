/**
 * ARM's error envelope, `{"error":{"code","message","details"?}}`, and the codes and message styles the emulated
 * providers use (see corpus arm/network/error.*.json; where a code is not in the corpus, NOTES in the report say so).
 */

export interface ArmErrorDetail {
  code: string;
  message: string;
}

export class ArmError extends Error {
  override readonly name = 'ArmError';
  readonly status: number;
  readonly code: string;
  /** `undefined` leaves `details` out of the body; Network RP errors carry `details: []`. */
  readonly details: ArmErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, options: { details?: ArmErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  body(): { error: { code: string; message: string; details?: ArmErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

/** Network RP's own validation errors carry an empty `details` array (corpus error.security-rule-*.json). */
export function networkError(status: number, code: string, message: string): ArmError {
  return new ArmError(status, code, message, { details: [] });
}

export function subscriptionNotFound(subscriptionId: string): ArmError {
  return new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

/** A missing top-level resource (corpus error.nsg-resource-not-found.404). */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found.`);
}

/** A missing child resource (corpus error.security-rule-not-found.404). */
export function childNotFound(id: string): ArmError {
  return networkError(404, 'NotFound', `Resource ${id} not found.`);
}

export function parentNotFound(parentName: string): ArmError {
  return new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`);
}

export function invalidRequestContent(detail: string): ArmError {
  return new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${detail}'.`);
}

export function invalidRequestFormat(detail: string): ArmError {
  return networkError(400, 'InvalidRequestFormat', `Cannot parse the request. ${detail}`);
}

export function missingApiVersion(): ArmError {
  return new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
}

export function invalidResourceName(name: string): ArmError {
  return networkError(
    400,
    'InvalidResourceName',
    `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
  );
}

/** If-Match mismatch, as Network RP words it (PreconditionFailed with a PreconditionFailedEtagMismatch detail). */
export function preconditionFailed(provided: string, current: string | undefined, id: string): ArmError {
  const detail = current === undefined
    ? `Etag provided in if-match header ${provided} does not match: resource ${id} does not exist.`
    : `Etag provided in if-match header ${provided} does not match etag ${current} of resource ${id} in NRP data store.`;
  return new ArmError(412, 'PreconditionFailed', 'Precondition failed.', { details: [{ code: 'PreconditionFailedEtagMismatch', message: detail }] });
}
