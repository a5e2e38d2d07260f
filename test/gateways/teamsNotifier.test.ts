import { TeamsWorkflowNotifier } from '../../src/gateways/teams/teamsWorkflowNotifier';

const URL = 'https://contoso.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SECRET-SIG';

function fetchReturning(statuses: (number | Error)[]) {
  const seen: number[] = [];
  const impl = (async () => {
    const next = statuses.shift()!;
    seen.push(seen.length + 1);
    if (next instanceof Error) throw next;
    return new Response(null, { status: next, headers: next === 429 ? { 'retry-after': '2' } : {} });
  }) as typeof fetch;
  return { impl, seen };
}

describe('Teams Workflows notifier', () => {
  const sleeps: number[] = [];
  const sleep = async (ms: number) => void sleeps.push(ms);
  beforeEach(() => (sleeps.length = 0));

  test('202 is delivered', async () => {
    const { impl } = fetchReturning([202]);
    expect(await new TeamsWorkflowNotifier(URL, { fetch: impl, sleep }).post({ type: 'message' })).toEqual({ delivered: true, status: 202, attempts: 1 });
  });

  test('5xx, 429 (honouring Retry-After) and network errors are retried with backoff', async () => {
    const { impl } = fetchReturning([500, 429, Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNRESET' } }), 202]);
    expect(await new TeamsWorkflowNotifier(URL, { fetch: impl, sleep, backoffMs: 100 }).post({})).toEqual({ delivered: true, status: 202, attempts: 4 });
    expect(sleeps).toEqual([100, 2000, 400]);
  });

  test('a 4xx is not retried; failures never show the URL (its sig is a credential)', async () => {
    const { impl } = fetchReturning([400]);
    const result = await new TeamsWorkflowNotifier(URL, { fetch: impl, sleep }).post({});
    expect(result).toEqual({ delivered: false, status: 400, attempts: 1, error: 'Teams webhook at contoso.environment.api.powerplatform.com answered 400' });
    const down = fetchReturning([Object.assign(new Error('fetch failed'), { cause: { code: 'ENOTFOUND' } }), 503, 503, 503]);
    const r2 = await new TeamsWorkflowNotifier(URL, { fetch: down.impl, sleep }).post({});
    expect(r2).toMatchObject({ delivered: false, attempts: 4, status: 503 });
    expect(JSON.stringify([result, r2])).not.toContain('SECRET-SIG');
  });

  test('refuses plain http except to the local channel, without echoing the URL', () => {
    expect(() => new TeamsWorkflowNotifier('http://example.com/hook?sig=SECRET')).toThrow('DRIFTWARDEN_TEAMS_WEBHOOK_URL must be https (got http://example.com)');
    expect(() => new TeamsWorkflowNotifier('not a url?sig=SECRET')).toThrow(/not a URL \(value not shown/);
    expect(() => new TeamsWorkflowNotifier('http://127.0.0.1:7071/local/teams/webhook')).not.toThrow();
  });
});
