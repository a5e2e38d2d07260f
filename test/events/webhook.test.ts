import { handleWebhookRequest, SeenSet } from '../../src/events';
import { armCloudEvent, armEventGrid, nsgWrite, ruleWrite } from './fixtures';

const validationEvent = {
  id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
  topic: '/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
  subject: '',
  data: { validationCode: 'code-123', validationUrl: 'https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=code-123' },
  eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
  eventTime: '2018-01-25T22:12:19.4556811Z',
  metadataVersion: '1',
  dataVersion: '1',
};

describe('webhook', () => {
  test('CloudEvents OPTIONS handshake echoes the origin; headers are read case-insensitively, from records or Headers', () => {
    const expected = { status: 200, headers: { 'WebHook-Allowed-Origin': 'eventgrid.azure.us', 'WebHook-Allowed-Rate': '*', Allow: 'POST' } };
    expect(handleWebhookRequest({ method: 'options', headers: { 'webhook-request-origin': 'eventgrid.azure.us' } })).toEqual(expected);
    expect(handleWebhookRequest({ method: 'OPTIONS', headers: new Headers({ 'WebHook-Request-Origin': 'eventgrid.azure.us' }) })).toEqual(expected);
  });

  test('OPTIONS without WebHook-Request-Origin is a 400 that says what is missing', () => {
    const response = handleWebhookRequest({ method: 'OPTIONS', headers: {} });
    expect(response.status).toBe(400);
    expect(response.jsonBody).toEqual({ error: { code: 'MissingWebHookRequestOrigin', message: expect.stringContaining('WebHook-Request-Origin') } });
  });

  test('Event Grid validation: 200 with the code, also when data is double-encoded (CloudEvents-shaped)', () => {
    expect(handleWebhookRequest({ method: 'POST', headers: { 'aeg-event-type': 'SubscriptionValidation' }, body: JSON.stringify([validationEvent]) })).toMatchObject({
      status: 200,
      jsonBody: { validationResponse: 'code-123' },
    });
    const ceShaped = { id: 'v', source: validationEvent.topic, type: validationEvent.eventType, time: validationEvent.eventTime, specversion: '1.0', data: JSON.stringify(validationEvent.data) };
    expect(handleWebhookRequest({ method: 'POST', headers: {}, body: JSON.stringify(ceShaped) }).jsonBody).toEqual({ validationResponse: 'code-123' });
  });

  test('validation that cannot be answered is a 400', () => {
    expect(handleWebhookRequest({ method: 'POST', headers: { 'aeg-event-type': 'SubscriptionValidation' }, body: [armEventGrid(ruleWrite())] }).status).toBe(400);
    const noCode = { ...validationEvent, data: {} };
    expect(handleWebhookRequest({ method: 'POST', headers: {}, body: [noCode] })).toMatchObject({ status: 400, jsonBody: { error: { code: 'InvalidValidationEvent' } } });
  });

  test('subscription deletion and unsubscribe notices are acknowledged; unknown aeg-event-type is a 400', () => {
    expect(handleWebhookRequest({ method: 'POST', headers: { 'aeg-event-type': 'SubscriptionDeletion' }, body: '[]' })).toMatchObject({ status: 200, jsonBody: { acknowledged: 'SubscriptionDeletion' } });
    expect(handleWebhookRequest({ method: 'POST', headers: { 'Aeg-Event-Type': 'Unsubscribe' }, body: '' })).toMatchObject({ status: 202, jsonBody: { acknowledged: 'Unsubscribe' } });
    expect(handleWebhookRequest({ method: 'POST', headers: { 'aeg-event-type': 'Gossip' }, body: '[]' })).toMatchObject({ status: 400, jsonBody: { error: { code: 'UnknownAegEventType' } } });
  });

  test('a delivery answers 200 with counts and summaries that carry no actor data', () => {
    const response = handleWebhookRequest({
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify([armEventGrid(ruleWrite({ id: 'e1' })), { ...armEventGrid(nsgWrite({ id: 'e2' })), eventTime: 'never' }, { ...armEventGrid(ruleWrite({ id: 'e3' })), eventType: 'Microsoft.Storage.BlobCreated' }]),
    });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({
      counts: { changes: 1, ignored: 1, errors: 1 },
      changes: [{ eventId: 'e1', eventType: 'Microsoft.Resources.ResourceWriteSuccess', kind: 'securityRule', operation: 'write', status: 'succeeded', resourceId: expect.stringContaining('/securityrules/allow-ssh') }],
      ignored: [expect.objectContaining({ index: 2, reason: 'event type Microsoft.Storage.BlobCreated is not drift-relevant' })],
      errors: [{ index: 1, eventId: 'e2', field: 'eventTime', message: 'not a valid time (got "never")' }],
    });
    expect(JSON.stringify(response.jsonBody)).not.toMatch(/ada@contoso|2001:db8|Lovelace/);
    expect(response.result?.changes[0]?.actor.upn).toBe('ada@contoso.example');
  });

  test('an all-malformed delivery is a 400 (dead-lettered, not retried); duplicates still count as accepted', () => {
    const allBad = handleWebhookRequest({ method: 'POST', headers: {}, body: [{ id: 'x' }, 42] });
    expect(allBad.status).toBe(400);
    expect(allBad.jsonBody).toMatchObject({ counts: { changes: 0, ignored: 0, errors: 2 } });

    const seen = new SeenSet(10);
    const body = JSON.stringify(armCloudEvent(nsgWrite({ id: 'once' })));
    expect(handleWebhookRequest({ method: 'POST', headers: {}, body }, { seen }).jsonBody).toMatchObject({ counts: { changes: 1 } });
    expect(handleWebhookRequest({ method: 'POST', headers: {}, body }, { seen })).toMatchObject({ status: 200, jsonBody: { counts: { changes: 0, ignored: 1 } } });
  });

  test('a body that is not JSON is a 400 naming the problem; other methods are 405', () => {
    expect(handleWebhookRequest({ method: 'POST', headers: {}, body: '[{' })).toMatchObject({ status: 400, jsonBody: { error: { code: 'InvalidBody', message: expect.stringMatching(/^body is not valid JSON/) } } });
    expect(handleWebhookRequest({ method: 'POST', headers: {}, body: undefined })).toMatchObject({ status: 400, jsonBody: { error: { code: 'InvalidBody' } } });
    expect(handleWebhookRequest({ method: 'GET', headers: {} })).toMatchObject({ status: 405, headers: { Allow: 'POST, OPTIONS' } });
  });
});
