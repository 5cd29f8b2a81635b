/**
 * The passphrase prompt main shows for a guarded key operation when the
 * profile has a passphrase (Electron's native message box has no text
 * field). It is a page of main's own making, loaded as a `data:` URL into
 * a separate, sandboxed, modal window with no preload: the app window's
 * renderer cannot reach it. The page runs no script of its own (its CSP
 * allows none); main drives it from an isolated world with
 * `CONFIRM_ANSWER_SCRIPT`, which resolves with the typed passphrase or
 * `false`. Pure strings, so a test can load the same page in Chromium.
 */
import type { ConfirmRequest } from './confirm';

/** The isolated world main runs `CONFIRM_ANSWER_SCRIPT` in (any id other than 0, the page's own world). */
export const CONFIRM_WORLD_ID = 1001;

/** No script, no request of any kind; only the inline style below. */
export const CONFIRM_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const STYLE = `
  :root { color-scheme: light dark; font: 14px/1.45 system-ui, sans-serif; }
  body { margin: 0; padding: 20px 22px; }
  h1 { font-size: 16px; margin: 0 0 8px; }
  p { margin: 0 0 14px; }
  label { display: block; font-weight: 600; margin-bottom: 4px; }
  input { box-sizing: border-box; width: 100%; padding: 6px 8px; font: inherit; }
  .row { display: flex; justify-content: flex-end; gap: 8px; margin-top: 16px; }
  button { font: inherit; padding: 6px 14px; }`;

/** The prompt's HTML: the question and its consequences as text, a passphrase field, Cancel and the confirm button. */
export function confirmPageHtml(request: Pick<ConfirmRequest, 'title' | 'detail' | 'confirmLabel'>): string {
  const title = escapeHtml(request.title);
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONFIRM_PAGE_CSP}">`,
    `<title>${title}</title><style>${STYLE}</style></head><body>`,
    `<form id="confirm" aria-labelledby="title"><h1 id="title">${title}</h1><p>${escapeHtml(request.detail)}</p>`,
    '<label for="passphrase">Type your Parley passphrase to confirm</label>',
    '<input id="passphrase" type="password" autocomplete="off" spellcheck="false" autofocus>',
    '<div class="row"><button type="button" id="cancel">Cancel</button>',
    `<button type="submit" id="ok">${escapeHtml(request.confirmLabel)}</button></div></form></body></html>`,
  ].join('');
}

/**
 * Run in an isolated world of the prompt: resolves with the passphrase when
 * the form is submitted with one, `false` on Cancel or Escape. The field is
 * cleared as it is read.
 */
export const CONFIRM_ANSWER_SCRIPT = `new Promise((resolve) => {
  const input = document.getElementById('passphrase');
  document.getElementById('confirm').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.value;
    if (value.length === 0) return;
    input.value = '';
    resolve(value);
  });
  document.getElementById('cancel').addEventListener('click', () => resolve(false));
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') resolve(false); });
  input.focus();
})`;

/** What the script resolved with, as a confirmer answer: a non-empty string is the passphrase, anything else a no. */
export function answerOf(result: unknown): { readonly confirmed: false } | { readonly confirmed: true; readonly passphrase: string } {
  return typeof result === 'string' && result.length > 0 ? { confirmed: true, passphrase: result } : { confirmed: false };
}
