/**
 * One conversation as one self-contained HTML page: no script, no remote
 * content (the page's own CSP forbids both), the app's light theme inline,
 * every text escaped, so the browser's find searches it. Attachments are
 * relative links to the copies beside the page.
 */
import type { ExportedConversation, ExportedMessage } from './records';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/gu, (c) => ESCAPES[c]!);

/** A relative link target: each path segment percent-encoded, so no name can break out of the attribute or the folder. */
const href = (relative: string): string => relative.split('/').map(encodeURIComponent).join('/');

const time = (at: number): string => new Date(at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

// The app's light theme (src/renderer/src/styles.css :root), inline.
const STYLE = `
:root { --bg: #f4f5f9; --surface: #ffffff; --text: #1b1f2a; --muted: #5c6475; --border: #e1e4ec; --accent: #4f63ff; --bubble-out: #4f63ff; --bubble-out-text: #ffffff; --bubble-in: #ffffff; --warn-bg: #fff6e0; color-scheme: light; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Ubuntu, sans-serif; font-size: 15px; line-height: 1.45; }
body { background: var(--bg); color: var(--text); margin: 0; }
header { background: var(--surface); border-bottom: 1px solid var(--border); padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p, .event { color: var(--muted); margin: 2px 0; font-size: 13px; }
main { max-width: 760px; margin: 0 auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
.message { display: flex; flex-direction: column; align-items: flex-start; }
.message--out { align-items: flex-end; }
.bubble { max-width: 75%; border-radius: 16px; padding: 8px 12px 6px; background: var(--bubble-in); border: 1px solid var(--border); white-space: pre-wrap; overflow-wrap: anywhere; }
.message--out .bubble { background: var(--bubble-out); color: var(--bubble-out-text); border-color: transparent; }
.message--out .bubble a { color: var(--bubble-out-text); }
.meta { color: var(--muted); font-size: 12px; margin-top: 2px; }
.reply { border-left: 3px solid var(--accent); padding-left: 6px; opacity: .8; font-size: 13px; margin-bottom: 4px; }
.deleted, .undecryptable { font-style: italic; opacity: .75; }
.event { text-align: center; background: var(--warn-bg); border-radius: 8px; padding: 4px 8px; }
`;

/** The page up to the first message. */
export function htmlHead(conv: ExportedConversation, exportedAt: number): string {
  const what = (e: ExportedConversation['events'][number]): string => (e.type === 'safety-number-changed' ? 'The safety number changed' : escapeHtml(e.text ?? e.type));
  const events = conv.events.map((e) => `<p class="event">${what(e)}${e.at === null ? '' : ` · ${time(e.at)}`}</p>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(conv.name)} · Parley</title>
<style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(conv.name)}</h1>
<p>Safety number: ${escapeHtml(conv.safetyNumber)}${conv.verified ? ' (verified)' : ''}</p>
<p>${conv.messageCount} messages · disappearing messages ${conv.timerSeconds === null ? 'off' : `after ${conv.timerSeconds} s`} · exported ${time(exportedAt)}</p>
${events}</header>
<main>
`;
}

/** One message; `replied` is the start of the text it replies to, if known. */
export function htmlMessage(m: ExportedMessage, replied: string | undefined): string {
  const parts: string[] = [];
  if (m.replyTo !== null) parts.push(`<div class="reply">↪ ${replied === undefined ? 'a message not in this export' : escapeHtml(replied)}</div>`);
  if (m.deleted) parts.push('<span class="deleted">This message was deleted.</span>');
  else if (m.undecryptable) parts.push('<span class="undecryptable">This message couldn’t be decrypted.</span>');
  else {
    if (m.text !== '') parts.push(escapeHtml(m.text));
    if (m.attachment) {
      const label = `${escapeHtml(m.attachment.name || 'file')} (${m.attachment.size} bytes)`;
      parts.push(m.attachment.file ? `<div>📎 <a href="${href(m.attachment.file)}">${label}</a></div>` : `<div>📎 ${label}, not received</div>`);
    }
  }
  const meta = [escapeHtml(m.from), time(m.sentAt), m.editedAt !== null && !m.deleted ? `edited ${time(m.editedAt)}` : '', m.direction === 'out' ? m.state : '']
    .filter((x) => x !== '').join(' · ');
  const reactions = m.reactions.length > 0 ? `<div class="meta">${m.reactions.map((r) => `${escapeHtml(r.emoji)} ${escapeHtml(r.from)}`).join(' · ')}</div>` : '';
  return `<article class="message message--${m.direction}" id="m-${escapeHtml(m.id)}"><div class="bubble">${parts.join('')}</div><div class="meta">${meta}</div>${reactions}</article>\n`;
}

/** The end of the page. */
export const htmlFoot = (): string => '</main></body></html>\n';
