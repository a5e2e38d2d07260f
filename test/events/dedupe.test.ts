import { dedupeKey, runIntake, SeenSet } from '../../src/events';
import { armCloudEvent, armEventGrid, nsgWrite, ruleWrite, SUB } from './fixtures';

describe('de-duplication', () => {
  test('the key ignores source casing and GUID spelling', () => {
    const a = dedupeKey({ source: `/subscriptions/${SUB.toUpperCase()}`, eventId: '4DB48CBA50A2455A93B4DE41A3B5B7F6' });
    const b = dedupeKey({ source: `/subscriptions/${SUB}`, eventId: '4db48cba-50a2-455a-93b4-de41a3b5b7f6' });
    expect(a).toBe(b);
    expect(dedupeKey({ source: 's', eventId: 'e1' })).not.toBe(dedupeKey({ source: 's', eventId: 'e2' }));
  });

  test('SeenSet holds at most its capacity and forgets the oldest first', () => {
    const seen = new SeenSet(2);
    expect(seen.add('a')).toBe(true);
    expect(seen.add('a')).toBe(false);
    seen.add('b');
    seen.add('c');
    expect(seen.size).toBe(2);
    expect(seen.has('a')).toBe(false);
    expect(seen.has('b') && seen.has('c')).toBe(true);
    expect(() => new SeenSet(0)).toThrow(RangeError);
  });

  test('runIntake drops repeats within a delivery and across deliveries, in either schema', () => {
    const seen = new SeenSet(100);
    const first = runIntake([armEventGrid(ruleWrite({ id: 'e1' })), armEventGrid(nsgWrite({ id: 'e2' })), armEventGrid(ruleWrite({ id: 'e1' }))], { seen });
    expect(first.changes.map((c) => c.eventId)).toEqual(['e1', 'e2']);
    expect(first.ignored).toEqual([{ index: 2, eventId: 'e1', eventType: 'Microsoft.Resources.ResourceWriteSuccess', reason: `duplicate delivery of event e1 from /subscriptions/${SUB}` }]);

    // A retry of e2, delivered through a CloudEvents subscription this time.
    const retry = runIntake(armCloudEvent(nsgWrite({ id: 'e2' })), { seen });
    expect(retry.changes).toEqual([]);
    expect(retry.ignored[0]!.reason).toMatch(/^duplicate delivery of event e2/);

    // Without a seen set, only repeats inside the delivery are dropped.
    expect(runIntake([armEventGrid(nsgWrite({ id: 'e2' }))]).changes).toHaveLength(1);
  });
});
