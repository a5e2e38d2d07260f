import { compileRoute } from '../../local/host';

describe('route templates', () => {
  test('literal and parameter segments, literals case-insensitive', () => {
    const route = compileRoute('items/{id}');
    expect(route.match(['items', '42'])).toEqual({ id: '42' });
    expect(route.match(['ITEMS', 'a b'])).toEqual({ id: 'a b' });
    expect(route.match(['items'])).toBeUndefined();
    expect(route.match(['items', '1', 'x'])).toBeUndefined();
  });

  test('optional trailing parameter and catch-all', () => {
    expect(compileRoute('approvals/{instanceId?}').match(['approvals'])).toEqual({});
    expect(compileRoute('approvals/{instanceId?}').match(['approvals', 'x'])).toEqual({ instanceId: 'x' });
    expect(compileRoute('files/{*path}').match(['files', 'a', 'b.txt'])).toEqual({ path: 'a/b.txt' });
    expect(compileRoute('files/{*path}').match(['files'])).toEqual({});
  });

  test('constraints and mixed segments', () => {
    const route = compileRoute('orders/{id:int}/{kind:alpha}.{ext}');
    expect(route.match(['orders', '12', 'report.json'])).toEqual({ id: '12', kind: 'report', ext: 'json' });
    expect(route.match(['orders', 'x', 'report.json'])).toBeUndefined();
    expect(compileRoute('g/{id:guid}').match(['g', '7f1c2b9e-8f0a-4c1d-9e2b-3a4b5c6d7e8f'])).toBeDefined();
    expect(compileRoute('n/{v:range(1,5)}').match(['n', '9'])).toBeUndefined();
  });

  test('invalid templates are refused with the reason', () => {
    expect(() => compileRoute('a/{x?}/b')).toThrow(/must be the whole last segment/);
    expect(() => compileRoute('a/{x:regex(^a$)}')).toThrow(/not supported by the local host/);
    expect(() => compileRoute('a/{x')).toThrow(/unclosed/);
  });
});
