import { cardToHtml, markdownToHtml, type RunningFront } from '../../local/front';
import { teamsMessage } from '../../src/notify/teamsCard';
import { closedPort, postJson, request, sampleNotice, signIn, removeTempDirs, startFront, tempDir } from './helpers';

afterAll(removeTempDirs);

describe('front server: the local Teams channel page', () => {
  let front: RunningFront;

  beforeAll(async () => {
    front = await startFront({ upstreamUrl: `http://127.0.0.1:${await closedPort()}`, dataDir: tempDir(), title: 'driftwarden demo' });
  });
  afterAll(async () => {
    await front.close();
  });

  test('shows an empty channel with what to do, refreshing itself', async () => {
    const page = await request(`${front.url}/local/teams`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<meta http-equiv="refresh" content="2">');
    expect(page.body).toContain('npx driftwarden simulate open-port 22 --from Internet');
    expect(page.body).not.toMatch(/<script/i);
  });

  test("renders the product's card: title, facts, findings and the OpenUrl buttons as links, HTML escaped", async () => {
    const notice = { ...sampleNotice(), detail: 'operator note <script>alert(1)</script> & <b>bold</b>', resourceName: 'nsg-<img src=x onerror=alert(1)>' };
    expect((await postJson(`${front.url}/local/teams/webhook`, teamsMessage(notice))).status).toBe(202);
    expect((await postJson(`${front.url}/local/teams/webhook`, teamsMessage({ ...sampleNotice(), stage: 'remediated', links: undefined }))).status).toBe(202);
    const html = (await request(`${front.url}/local/teams`)).body;

    // Newest first, each card with a stable id.
    expect(html.indexOf('id="card-2"')).toBeGreaterThan(-1);
    expect(html.indexOf('id="card-2"')).toBeLessThan(html.indexOf('id="card-1"'));
    const first = html.slice(html.indexOf('id="card-1"'));

    expect(first).toContain('Approval needed: drift will be reverted · CRITICAL');
    expect(first).toMatch(/class="ac-text ac-size-large ac-weight-bolder ac-color-warning"[^>]*>Approval needed/);
    expect(first).toContain('<tr><th>Changed by</th><td>alice@contoso.example (user, app 04b07795-8ddb-461a-bbee-02f9e1bf7b46, from 198.51.100.23)</td></tr>');
    expect(first).toContain('<tr><th>Mode</th><td>approve</td></tr>');
    expect(first).toContain('<strong>CRITICAL</strong> SSH (22/Tcp) reachable from the Internet');
    // The product escapes Markdown in user text (`\*`); the channel shows the literal star, in monospace.
    expect(first).toContain('class="ac-text ac-spacing-small ac-mono">+ allow-ssh-anywhere: Allow Inbound Tcp from * to * port 22 (priority 200)<');
    expect(first).toContain('not reachable → <strong>reachable</strong>');
    expect(first).toContain('class="ac-columns');
    expect(first).toContain("Delete rule &#39;allow-ssh-anywhere&#39;");

    for (const [title, url] of [
      ['Review plan', 'https://dw.example/api/approvals/nsg-1?t=abc'],
      ['Approve revert…', 'https://dw.example/api/approvals/nsg-1?t=abc&amp;intent=approve'],
      ['Reject…', 'https://dw.example/api/approvals/nsg-1?t=abc&amp;intent=reject'],
      ['Accept as baseline…', 'https://dw.example/api/approvals/nsg-1?t=abc&amp;intent=accept'],
    ]) {
      expect(first).toContain(`<a class="ac-action" href="${url}" data-action-title="${title}">${title}</a>`);
    }

    expect(first).toContain('operator note &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(first).toContain('NSG <strong>nsg-&lt;img src=x onerror=alert(1)&gt;</strong>');
    expect(html).not.toMatch(/<script|<img|<b>/i);

    const second = html.slice(html.indexOf('id="card-2"'), html.indexOf('id="card-1"'));
    expect(second).toContain('Drift reverted and verified');
    expect(second).not.toContain('data-action-title');
  });

  test('the landing page links everything and shows who is signed in', async () => {
    const anonymous = (await request(`${front.url}/`)).body;
    expect(anonymous).toContain('driftwarden demo');
    for (const link of ['href="/local/teams"', 'href="/local/teams/messages"', 'href="/.auth/login/aad?post_login_redirect_uri=%2F"', 'href="/.auth/me"']) {
      expect(anonymous).toContain(link);
    }
    expect(anonymous).toContain('npx driftwarden simulate open-port 22 --from Internet');
    expect(anonymous).toContain('Not signed in');

    const cookie = await signIn(front, 'carol');
    const signedIn = (await request(`${front.url}/`, { headers: { cookie } })).body;
    expect(signedIn).toContain('Signed in as <strong id="signed-in-user">carol@contoso.example</strong>');
    expect(signedIn).toContain('href="/.auth/logout');
  });
});

describe('Adaptive Card rendering', () => {
  test('Markdown subset: bold, italic, escapes; everything else literal and escaped', () => {
    expect(markdownToHtml('**bold** and _it_ and snake_case_name')).toBe('<strong>bold</strong> and <em>it</em> and snake_case_name');
    expect(markdownToHtml('\\*not bold\\* \\\\ \\[x\\]')).toBe('*not bold* \\ [x]');
    expect(markdownToHtml('**unclosed <i>')).toBe('**unclosed &lt;i&gt;');
    expect(markdownToHtml('a\nb')).toBe('a<br>b');
    expect(markdownToHtml('[link](javascript:alert(1))')).toBe('[link](javascript:alert(1))');
  });

  test('only http(s) OpenUrl actions become links; unknown elements and styles are neutralised', () => {
    const html = cardToHtml({
      type: 'AdaptiveCard',
      body: [
        { type: 'TextBlock', text: 'x', color: '"><script>', size: 'huge', wrap: true },
        { type: 'Image', url: 'https://example/x.png' },
        { type: 'ColumnSet', columns: [{ type: 'Column', width: '80px', items: [] }, { type: 'Column', width: 'expression(alert(1))', items: [] }] },
        { type: 'TextBlock', text: 'hidden', isVisible: false },
      ],
      actions: [
        { type: 'Action.OpenUrl', title: 'Bad', url: 'javascript:alert(1)' },
        { type: 'Action.Submit', title: 'Submit' },
        { type: 'Action.OpenUrl', title: 'Good', url: 'http://127.0.0.1:7070/api/approvals/a?t=1' },
      ],
    });
    expect(html).toContain('<div class="ac-text">x</div>');
    expect(html).toContain('[Image is not rendered by this local channel]');
    expect(html).toContain('style="flex:0 0 80px"');
    expect(html).toContain('style="flex:1 1 0"');
    expect(html).not.toContain('hidden');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<span class="ac-action ac-disabled" data-action-title="Bad"');
    expect(html).toContain('data-action-title="Submit" title="Action.Submit does not work in cards posted by a Workflows webhook"');
    expect(html).toContain('<a class="ac-action" href="http://127.0.0.1:7070/api/approvals/a?t=1" data-action-title="Good">Good</a>');
  });

  test('deeply nested containers do not exhaust the stack', () => {
    let el: Record<string, unknown> = { type: 'TextBlock', text: 'deep' };
    for (let i = 0; i < 5000; i++) el = { type: 'Container', items: [el] };
    expect(() => cardToHtml({ type: 'AdaptiveCard', body: [el] })).not.toThrow();
  });
});
