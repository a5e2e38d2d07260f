import { InputError } from '../../src/errors';
import { formatEventError, normalizeDelivery, normalizeEvent } from '../../src/events';
import { armCloudEvent, armEventGrid, assignmentWrite, nsgWrite, ruleDelete, ruleWrite } from './fixtures';

describe('a bad event costs only itself', () => {
  test('5 events where [2] lacks data and [4] has a non-string eventType: 3 changes and 2 errors', () => {
    const noData = armEventGrid(ruleDelete({ id: 'e2' }));
    delete noData.data;
    const badType = { ...armEventGrid(nsgWrite({ id: 'e4' })), eventType: 42 };
    const body = JSON.stringify([armEventGrid(ruleWrite({ id: 'e0' })), armEventGrid(assignmentWrite({ id: 'e1' })), noData, armEventGrid(nsgWrite({ id: 'e3' })), badType]);

    const result = normalizeDelivery(body);
    expect(result.changes.map((c) => c.eventId)).toEqual(['e0', 'e1', 'e3']);
    expect(result.ignored).toEqual([]);
    expect(result.errors).toEqual([
      { index: 2, eventId: 'e2', field: 'data', message: 'missing' },
      { index: 4, eventId: 'e4', field: 'eventType', message: 'expected a string (got 42)' },
    ]);
    expect(result.errors.map(formatEventError)).toEqual([
      'index 2 (event e2), field data: missing',
      'index 4 (event e4), field eventType: expected a string (got 42)',
    ]);
  });

  const cases: [string, unknown, string, string][] = [
    ['not an object', 'hello', '', 'expected an event object (got string)'],
    ['null', null, '', 'expected an event object (got null)'],
    ['mixed envelope', { ...armEventGrid(ruleWrite()), specversion: '1.0' }, 'specversion', 'mixed envelope: has both eventType (Event Grid schema) and specversion (CloudEvents)'],
    ['neither schema', { id: 'x', data: {} }, 'eventType', 'missing: neither an Event Grid event (eventType) nor a CloudEvent (specversion)'],
    ['CloudEvent without specversion', { id: 'x', type: 't', source: 's' }, 'specversion', 'missing (the event has the CloudEvents attributes type and source)'],
    ['CloudEvents 0.3', { ...armCloudEvent(ruleWrite()), specversion: '0.3' }, 'specversion', 'unsupported version "0.3" (only 1.0)'],
    ['empty id', { ...armEventGrid(ruleWrite()), id: '  ' }, 'id', 'empty'],
    ['no topic', { ...armEventGrid(ruleWrite()), topic: undefined }, 'topic', 'missing'],
    ['bad eventTime', { ...armEventGrid(ruleWrite()), eventTime: 'yesterday' }, 'eventTime', 'not a valid time (got "yesterday")'],
    ['data is an array', { ...armEventGrid(ruleWrite()), data: [] }, 'data', 'expected an object (got array)'],
    ['double-encoded data that is not JSON', { ...armCloudEvent(ruleWrite()), data: '{"claims":' }, 'data', 'a string that is not valid JSON (double-encoded data must be a JSON object)'],
    ['binary data', { ...armCloudEvent(ruleWrite()), data: undefined, data_base64: 'e30=' }, 'data_base64', 'binary event data is not supported; system events carry JSON data'],
    ['no resource id anywhere', { ...armEventGrid(ruleWrite()), subject: 'rule', data: { operationName: 'Microsoft.Network/networkSecurityGroups/securityRules/write' } }, 'data.resourceUri', 'missing (and the subject is not a resource id)'],
    ['operationName is a number', { ...armEventGrid(ruleWrite()), data: { resourceUri: '/subscriptions/s', operationName: 7 } }, 'data.operationName', 'expected a string (got 7)'],
    ['claims is a string', { ...armEventGrid(ruleWrite()), data: { ...(armEventGrid(ruleWrite()).data as object), claims: 'oid=1' } }, 'data.claims', 'expected an object of string claims'],
    ['bad dead-letter attempts', { ...armEventGrid(ruleWrite()), deadLetterReason: 'TimeToLiveExceeded', deliveryAttempts: 'many' }, 'deliveryAttempts', 'expected a non-negative integer (got "many")'],
  ];

  test.each(cases)('%s', (_name, raw, field, message) => {
    const outcome = normalizeEvent(raw, 7);
    expect(outcome).toEqual({ outcome: 'error', error: expect.objectContaining({ index: 7, field, message }) });
  });

  test('a body that is not a delivery at all throws InputError naming the body, without echoing it', () => {
    expect(() => normalizeDelivery('')).toThrow(InputError);
    expect(() => normalizeDelivery('[{"id": "x", "claims": {"upn": "ada@contoso.example"}')).toThrow(/^body is not valid JSON: .* \(got "53 characters"\)$/);
    expect(() => normalizeDelivery('42')).toThrow('body must be a JSON array of events or one event object, not number');
    expect(() => normalizeDelivery(null)).toThrow(InputError);
    expect(normalizeDelivery('[]')).toEqual({ changes: [], ignored: [], errors: [] });
  });

  test('dead-letter records keep their facts on changes too', () => {
    const record = { ...armEventGrid(ruleWrite()), deadLetterReason: 'MaxDeliveryAttemptsExceeded', deliveryAttempts: 30, lastDeliveryOutcome: 'TimedOut', publishTime: '2026-12-03T10:15:05Z', lastDeliveryAttemptTime: '2026-12-04T10:15:05Z' };
    const change = normalizeDelivery(record).changes[0]!;
    expect(change.kind).toBe('securityRule');
    expect(change.deadLetter).toEqual({ reason: 'MaxDeliveryAttemptsExceeded', deliveryAttempts: 30, lastDeliveryOutcome: 'TimedOut', publishTime: '2026-12-03T10:15:05Z', lastDeliveryAttemptTime: '2026-12-04T10:15:05Z' });
    const ceRecord = { ...armCloudEvent(ruleWrite()), specversion: undefined, time: undefined, deadletterreason: 'MaxDeliveryAttemptsExceeded', deliveryattempts: '3', publishtime: '2026-12-03T10:15:05Z' };
    expect(normalizeDelivery(ceRecord).changes[0]).toMatchObject({ schema: 'cloudEvents', time: '2026-12-03T10:15:05Z', deadLetter: { deliveryAttempts: 3 } });
  });
});
