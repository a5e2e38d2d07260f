import fs from 'node:fs';
import path from 'node:path';
import { TEAMS_MESSAGES_FILE, type RunningFront } from '../../local/front';
import { teamsMessage } from '../../src/notify/teamsCard';
import { closedPort, postJson, request, sampleNotice, removeTempDirs, startFront, tempDir } from './helpers';

afterAll(removeTempDirs);

function card(text: string) {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text }] } }] };
}

describe('front server: local Teams sink', () => {
  let upstreamUrl: string;
  let dataDir: string;
  let front: RunningFront;

  beforeAll(async () => {
    upstreamUrl = `http://127.0.0.1:${await closedPort()}`; // the sink needs no Functions host
  });
  beforeEach(async () => {
    dataDir = tempDir();
    front = await startFront({ upstreamUrl, dataDir });
  });
  afterEach(async () => {
    await front.close();
  });

  test('accepts a Workflows message with 202 and an empty body, like Workflows', async () => {
    const reply = await postJson(`${front.url}/local/teams/webhook`, teamsMessage(sampleNotice()));
    expect(reply.status).toBe(202);
    expect(reply.body).toBe('');
    expect(reply.headers['content-length']).toBe('0');
  });

  test('keeps messages in arrival order with a sequence number and receive time', async () => {
    for (const text of ['first', 'second', 'third']) expect((await postJson(`${front.url}/local/teams/webhook`, card(text))).status).toBe(202);
    const listed = JSON.parse((await request(`${front.url}/local/teams/messages`)).body);
    expect(listed.map((m: any) => [m.seq, m.message.attachments[0].content.body[0].text])).toEqual([
      [1, 'first'],
      [2, 'second'],
      [3, 'third'],
    ]);
    expect(new Date(listed[0].receivedAt).toISOString()).toBe(listed[0].receivedAt);
    expect(front.messages()).toEqual(listed);
    expect(fs.readFileSync(path.join(dataDir, TEAMS_MESSAGES_FILE), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  test.each([
    ['not JSON', '{"type":', /not JSON/],
    ['an array', '[]', /JSON object/],
    ['the wrong type', JSON.stringify({ type: 'MessageCard', attachments: [] }), /"type" must be "message" \(got "MessageCard"\)/],
    ['no attachments', JSON.stringify({ type: 'message' }), /"attachments" must be a non-empty array/],
    [
      'a non-card attachment',
      JSON.stringify({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.teams.card.o365connector', content: {} }] }),
      /attachments\[0\]\.contentType must be "application\/vnd\.microsoft\.card\.adaptive"/,
    ],
    [
      'a card of the wrong type',
      JSON.stringify({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'HeroCard' } }] }),
      /attachments\[0\]\.content\.type must be "AdaptiveCard"/,
    ],
    ['an old connector MessageCard', JSON.stringify({ '@type': 'MessageCard', text: 'hi' }), /"type" must be "message" \(got nothing\)/],
  ])('refuses %s with 400 and says why, storing nothing', async (_name, body, reason) => {
    const reply = await request(`${front.url}/local/teams/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error.message).toMatch(reason);
    expect(front.messages()).toEqual([]);
  });

  test('messages survive a restart on the same data folder and numbering continues', async () => {
    await postJson(`${front.url}/local/teams/webhook`, card('before restart 1'));
    await postJson(`${front.url}/local/teams/webhook`, card('before restart 2'));
    await front.close();
    // A crash mid-append leaves a torn last line; it is skipped, not fatal.
    fs.appendFileSync(path.join(dataDir, TEAMS_MESSAGES_FILE), '{"seq":3,"receivedAt":"20');
    const logs: string[] = [];
    front = await startFront({ upstreamUrl, dataDir, log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/unreadable line skipped/);
    expect(front.messages().map((m) => m.seq)).toEqual([1, 2]);
    await postJson(`${front.url}/local/teams/webhook`, card('after restart'));
    const listed = JSON.parse((await request(`${front.url}/local/teams/messages`)).body);
    expect(listed.map((m: any) => [m.seq, m.message.attachments[0].content.body[0].text])).toEqual([
      [1, 'before restart 1'],
      [2, 'before restart 2'],
      [3, 'after restart'],
    ]);
  });

  test('the fault switch fails the next N posts with the status asked for, then accepts again', async () => {
    const set = await postJson(`${front.url}/local/teams/faults`, { status: 500, count: 2 });
    expect(set.status).toBe(200);
    expect(JSON.parse(set.body)).toEqual({ status: 500, remaining: 2 });
    expect((await postJson(`${front.url}/local/teams/webhook`, card('lost 1'))).status).toBe(500);
    expect((await postJson(`${front.url}/local/teams/webhook`, card('lost 2'))).status).toBe(500);
    expect((await postJson(`${front.url}/local/teams/webhook`, card('delivered'))).status).toBe(202);
    expect(front.messages().map((m) => m.seq)).toEqual([1]);
    expect(JSON.parse((await request(`${front.url}/local/teams/faults`)).body)).toEqual({ status: 0, remaining: 0 });

    await postJson(`${front.url}/local/teams/faults`, { status: 429 });
    const throttled = await postJson(`${front.url}/local/teams/webhook`, card('throttled'));
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect((await postJson(`${front.url}/local/teams/faults`, { status: 200, count: 1 })).status).toBe(400);
    expect((await postJson(`${front.url}/local/teams/faults`, { status: 503, count: -1 })).status).toBe(400);
  });

  test('wrong methods and unknown paths under /local/teams answer plainly', async () => {
    expect((await request(`${front.url}/local/teams/webhook`)).status).toBe(405);
    expect((await request(`${front.url}/local/teams/messages`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await request(`${front.url}/local/teams/nothing`)).status).toBe(404);
  });
});
