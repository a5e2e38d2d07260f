/** The front's own HTML pages: landing, sign-in and the local Teams channel. No scripts; everything escaped. Pure. */
import { esc } from '../../src/approval/pages';
import { CARD_CSS, cardToHtml } from './cardHtml';
import type { LocalUser, TeamsMessage } from './types';

/** Teams refuses messages above about 28 KB; flagging them here catches a card that would never show up. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;

export const SIMULATE_COMMAND = 'npx driftwarden simulate open-port 22 --from Internet';

const STYLE = `body{font-family:"Segoe UI",system-ui,sans-serif;margin:0;color:#242424;background:#f5f5f5}
header{background:#464775;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header .who{margin-left:auto;font-size:.9rem}main{max-width:960px;margin:1rem auto;padding:0 1rem}
h1{font-size:1.4rem}code,pre{background:#ebebeb;padding:0 .25rem;border-radius:3px}pre{padding:.6rem;overflow:auto}
.note{color:#616161;font-size:.9rem}.msg{margin:1rem 0}.msg-meta{font-size:.8rem;color:#616161;margin-bottom:.3rem}
.warn{color:#c4314b;font-weight:600}form.users button{display:block;width:100%;text-align:left;margin:.4rem 0;padding:.6rem .8rem;
font-size:1rem;border:1px solid #c7c7c7;border-radius:4px;background:#fff;cursor:pointer}form.users button:hover{border-color:#464775}
.small{font-size:.8rem;color:#616161}
${CARD_CSS}`;

interface Layout {
  title: string;
  appTitle: string;
  user: LocalUser | undefined;
  /** Path to come back to after signing in or out. */
  here: string;
  refreshSeconds?: number;
}

function layout(l: Layout, body: string): string {
  const back = encodeURIComponent(l.here);
  const who = l.user
    ? `Signed in as <strong id="signed-in-user">${esc(l.user.upn)}</strong> · <a href="/.auth/logout?post_logout_redirect_uri=${back}">Sign out</a>`
    : `Not signed in · <a href="/.auth/login/aad?post_login_redirect_uri=${back}">Sign in</a>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${l.refreshSeconds ? `<meta http-equiv="refresh" content="${l.refreshSeconds}">` : ''}<meta name="referrer" content="same-origin">
<title>${esc(l.title)} · ${esc(l.appTitle)}</title><style>${STYLE}</style></head><body>
<header><a href="/"><strong>${esc(l.appTitle)}</strong></a><a href="/local/teams">Teams channel</a><span class="who">${who}</span></header>
<main>${body}</main></body></html>`;
}

export interface LandingInput {
  appTitle: string;
  frontUrl: string;
  upstreamUrl: string;
  user: LocalUser | undefined;
  messageCount: number;
}

export function landingPage(p: LandingInput): string {
  return layout(
    { title: 'Local stack', appTitle: p.appTitle, user: p.user, here: '/' },
    `<h1>${esc(p.appTitle)}: everything runs on this machine</h1>
<ul>
<li><strong>This front server</strong> (${esc(p.frontUrl)}): plays App Service Authentication and Microsoft Teams, and passes
everything else to the Functions host.</li>
<li><strong>Local Functions host</strong> (${esc(p.upstreamUrl)}): runs driftwarden's <code>functions/</code> unchanged; its
approval pages are served here at <code>/api/approvals/…</code>.</li>
<li><strong>Azure emulator</strong>: ARM and Key Vault for the sample ML workspace, sending Event Grid events to the host.</li>
</ul>
<h2>Links</h2>
<ul>
<li><a href="/local/teams" id="channel-link">Teams channel</a>: the cards driftwarden posted (${p.messageCount} so far), refreshed every 2 s</li>
<li><a href="/local/teams/messages">/local/teams/messages</a>: the same messages as JSON, in order</li>
<li>${p.user ? `Signed in as <strong>${esc(p.user.upn)}</strong> · <a href="/.auth/logout">sign out</a>` : '<a href="/.auth/login/aad?post_login_redirect_uri=%2F">Sign in</a> (pick a local user)'}
· <a href="/.auth/me">/.auth/me</a></li>
</ul>
<h2>Try it</h2>
<p>In another terminal, make a drift as another identity:</p>
<pre>${esc(SIMULATE_COMMAND)}</pre>
<p>Within seconds a card appears in the <a href="/local/teams">Teams channel</a>. Open <em>Review plan</em>, sign in as an
approver, choose <em>Approve revert</em>, and watch the next card report the rule removed and verified.</p>`,
  );
}

export interface SignInInput {
  appTitle: string;
  users: LocalUser[];
  redirectTo: string;
  user: LocalUser | undefined;
  error?: string;
}

export function signInPage(p: SignInInput): string {
  const buttons = p.users
    .map(
      (u) =>
        `<button type="submit" name="user" value="${esc(u.name)}" data-user="${esc(u.name)}"><strong>${esc(u.displayName ?? u.name)}</strong> · ${esc(u.upn)}${u.note ? ` · <em>${esc(u.note)}</em>` : ''}` +
        `<br><span class="small">object id ${esc(u.objectId)}${u.groups?.length ? ` · groups ${esc(u.groups.join(', '))}` : ''}${u.roles?.length ? ` · roles ${esc(u.roles.join(', '))}` : ''}</span></button>`,
    )
    .join('');
  return layout(
    { title: 'Sign in', appTitle: p.appTitle, user: p.user, here: p.redirectTo },
    `<h1>Sign in</h1>
${p.error ? `<p class="warn" id="error">${esc(p.error)}</p>` : ''}
<p class="note">Local demo: there is no password. In Azure, App Service Authentication signs people in with Entra ID and
passes who they are to driftwarden in the same <code>x-ms-client-principal</code> headers this server sets.</p>
${p.users.length === 0 ? '<p>No local users are configured.</p>' : `<form class="users" method="post" action="/.auth/login/aad">
<input type="hidden" name="post_login_redirect_uri" value="${esc(p.redirectTo)}">${buttons}</form>`}`,
  );
}

export interface ChannelInput {
  appTitle: string;
  user: LocalUser | undefined;
  /** Oldest first, as stored. */
  messages: TeamsMessage[];
}

export function channelPage(p: ChannelInput): string {
  const cards = [...p.messages]
    .reverse()
    .map((m) => {
      const size = Buffer.byteLength(JSON.stringify(m.message));
      const tooBig = size > TEAMS_MESSAGE_LIMIT_BYTES ? ` · <span class="warn">${Math.ceil(size / 1024)} KB: Teams would refuse this message</span>` : '';
      const attachments = Array.isArray(m.message.attachments) ? m.message.attachments : [];
      return `<article class="msg" id="card-${m.seq}" data-seq="${m.seq}"><div class="msg-meta">driftwarden via Workflows · #${m.seq} · <time datetime="${esc(m.receivedAt)}">${esc(m.receivedAt)}</time>${tooBig}</div>
${attachments.map((a) => cardToHtml(a.content)).join('')}</article>`;
    })
    .join('\n');
  return layout(
    { title: 'Teams channel', appTitle: p.appTitle, user: p.user, here: '/local/teams', refreshSeconds: 2 },
    `<h1>Teams channel (local)</h1>
<p class="note">${p.messages.length} message${p.messages.length === 1 ? '' : 's'}, newest first. This page refreshes every 2 seconds.</p>
${cards || `<p id="empty">No messages yet. Make a drift in another terminal: <code>${esc(SIMULATE_COMMAND)}</code></p>`}`,
  );
}
