// The shim must be in place before anything imports '@azure/functions'; jest hoists this above the imports.
jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { app } from '@azure/functions';
import { getDefaultRegistry, loadFunctionApp } from '../../local/host';
import { FIXTURE_APP } from './helpers';

describe('registrations captured through @azure/functions-core', () => {
  const registry = loadFunctionApp({ modules: [FIXTURE_APP] });

  test('the default registry receives every app.* and df.app.* registration', () => {
    expect(registry).toBe(getDefaultRegistry());
    expect(registry.list().map((f) => f.name).sort()).toEqual(
      expect.arrayContaining(['echo', 'startApproval', 'decide', 'onEvent', 'sweep', 'warmup', 'prepare', 'flaky', 'approval', 'retrying', 'crashing']),
    );
    expect((registry.programmingModel as { name?: string }).name).toBe('@azure/functions');
  });

  test('HTTP trigger bindings, methods, route and auth level', () => {
    const echo = registry.get('ECHO')!;
    expect(echo.kind).toBe('http');
    expect(echo.trigger).toMatchObject({ type: 'httpTrigger', direction: 'in', methods: ['GET', 'POST'], route: 'items/{id}', authLevel: 'function' });
    expect(echo.http).toEqual({ methods: ['GET', 'POST'], route: 'items/{id}', authLevel: 'function' });
    expect(echo.returnBinding).toMatchObject({ type: 'http', direction: 'out' });
    expect(registry.get('itemsNew')!.http!.methods).toEqual(['GET']);
  });

  test('durable client functions carry the durableClient input', () => {
    const starter = registry.get('startApproval')!;
    expect(starter.kind).toBe('http');
    expect(starter.durableClientInput).toMatchObject({ type: 'durableClient', direction: 'in' });
    expect(starter.extraInputs).toHaveLength(1);
  });

  test('Event Grid, timer, activity and orchestration triggers', () => {
    expect(registry.get('onEvent')!.trigger).toMatchObject({ type: 'eventGridTrigger', direction: 'in' });
    expect(registry.get('sweep')!.timer).toEqual({ schedule: '0 */5 * * * *', runOnStartup: false, useMonitor: true });
    expect(registry.get('warmup')!.timer!.runOnStartup).toBe(true);
    expect(registry.get('prepare')!).toMatchObject({ kind: 'activity', trigger: { type: 'activityTrigger' } });
    expect(registry.get('approval')!).toMatchObject({ kind: 'orchestration', trigger: { type: 'orchestrationTrigger' } });
    expect(typeof registry.get('approval')!.handler).toBe('function');
  });

  test('loading the same modules again adds nothing; a duplicate name is refused', () => {
    const size = registry.size;
    expect(loadFunctionApp({ modules: [FIXTURE_APP] }).size).toBe(size);
    expect(() => app.http('echo', { handler: async () => ({}) })).toThrow(/already been registered/);
  });

  test('hooks register and dispose', () => {
    const disposable = app.hook.appStart(() => undefined);
    expect(registry.hooks('appStart')).toHaveLength(1);
    disposable.dispose();
    expect(registry.hooks('appStart')).toHaveLength(0);
  });

  test('a module path that does not exist names the problem', () => {
    expect(() => loadFunctionApp({ modules: ['/no/such/dir/*.js'] })).toThrow(/does not exist/);
  });
});
