import type { StateCreator } from 'zustand';
import type { MessageDto } from '../../../../shared/contract';
import { ATTACHMENT_IPC_CHUNK_BYTES, MESSAGE_PAGE_SIZE } from '../../../../shared/constants';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { ConversationMessages, MessagesSlice } from './state';

const byTime = (a: MessageDto, b: MessageDto) => a.sentAt - b.sentAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Merges fresh rows into a conversation's list, replacing by id and keeping time order. */
function merge(list: ConversationMessages | undefined, rows: readonly MessageDto[], next?: ConversationMessages['next']): ConversationMessages {
  const map = new Map((list?.items ?? []).map((m) => [m.id, m]));
  for (const r of rows) map.set(r.id, r);
  return {
    items: [...map.values()].sort(byTime),
    next: next === undefined ? (list?.next ?? null) : next,
    loadingOlder: false,
  };
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The messages slice: loaded pages per conversation, sending, reacting, editing, deleting and files. */
export const createMessagesSlice: StateCreator<RootState, [], [], MessagesSlice> = (set, get) => ({
  messages: {},
  replyTo: null,
  editing: null,
  focusMessageId: null,
  messageError: null,

  async loadLatestMessages(conversationId) {
    const r = await parley.listMessages({ conversationId, limit: MESSAGE_PAGE_SIZE });
    if (!r.ok) return set({ messageError: { code: r.code, message: r.message } });
    set((s) => ({ messages: { ...s.messages, [conversationId]: merge(undefined, r.value.items, r.value.next) } }));
  },

  async loadOlderMessages(conversationId) {
    const current = get().messages[conversationId];
    if (!current?.next || current.loadingOlder) return;
    set((s) => ({ messages: { ...s.messages, [conversationId]: { ...current, loadingOlder: true } } }));
    const r = await parley.listMessages({ conversationId, limit: MESSAGE_PAGE_SIZE, before: current.next });
    if (!r.ok) return set({ messageError: { code: r.code, message: r.message } });
    set((s) => ({ messages: { ...s.messages, [conversationId]: merge(s.messages[conversationId], r.value.items, r.value.next) } }));
  },

  async refreshMessages(conversationId) {
    // Re-read the newest page: covers new, edited, deleted and expired rows in one query.
    const r = await parley.listMessages({ conversationId, limit: MESSAGE_PAGE_SIZE });
    if (!r.ok) return set({ messageError: { code: r.code, message: r.message } });
    set((s) => {
      const prev = s.messages[conversationId];
      const oldest = r.value.items[0];
      // Rows inside the refreshed window that vanished (expired or deleted) are dropped.
      const kept = oldest ? (prev?.items ?? []).filter((m) => byTime(m, oldest) < 0) : [];
      return { messages: { ...s.messages, [conversationId]: merge({ items: kept, next: prev?.next ?? r.value.next, loadingOlder: false }, r.value.items) } };
    });
  },

  async sendText(conversationId, text) {
    const { replyTo, editing } = get();
    set({ messageError: null });
    try {
      const message = editing
        ? unwrap(await parley.editMessage({ messageId: editing.id, text }))
        : unwrap(await parley.sendMessage({ conversationId, text, ...(replyTo ? { replyToId: replyTo.id } : {}) }));
      set((s) => ({ replyTo: null, editing: null, messages: { ...s.messages, [conversationId]: merge(s.messages[conversationId], [message]) } }));
      return true;
    } catch (e) {
      set({ messageError: toUiError(e) });
      return false;
    }
  },

  async react(messageId, emoji) {
    const r = await parley.reactToMessage({ messageId, emoji });
    if (r.ok) set((s) => ({ messages: { ...s.messages, [r.value.conversationId]: merge(s.messages[r.value.conversationId], [r.value]) } }));
    else set({ messageError: { code: r.code, message: r.message } });
  },

  async retry(messageId) {
    const r = await parley.retryMessage({ messageId });
    if (r.ok) set((s) => ({ messages: { ...s.messages, [r.value.conversationId]: merge(s.messages[r.value.conversationId], [r.value]) } }));
    else set({ messageError: { code: r.code, message: r.message } });
  },

  async deleteMessage(messageId, forEveryone) {
    const r = await parley.deleteMessage({ messageId, forEveryone });
    if (!r.ok) set({ messageError: { code: r.code, message: r.message } });
  },

  setReplyTo(message) {
    set({ replyTo: message, editing: null });
  },
  setEditing(message) {
    set({ editing: message, replyTo: null });
  },

  async jumpToMessage(messageId) {
    const r = await parley.getMessageContext({ messageId, limit: MESSAGE_PAGE_SIZE });
    if (!r.ok) return set({ messageError: { code: r.code, message: r.message } });
    const { conversationId, items, next } = r.value;
    set((s) => ({
      selectedConversationId: conversationId,
      focusMessageId: messageId,
      messages: { ...s.messages, [conversationId]: merge(undefined, items, next) },
    }));
  },

  clearFocus() {
    set({ focusMessageId: null });
  },

  async sendFile(conversationId, file) {
    set({ messageError: null });
    try {
      const { uploadId } = unwrap(await parley.beginAttachment({ conversationId, name: file.name, mime: file.type || 'application/octet-stream', size: file.size }));
      const cancelled = () => get().cancelledUploads.includes(uploadId);
      set({ activeUpload: { uploadId, name: file.name, size: file.size, sent: 0 } });
      for (let offset = 0; offset < file.size; offset += ATTACHMENT_IPC_CHUNK_BYTES) {
        if (cancelled()) return;
        const chunk = new Uint8Array(await file.slice(offset, offset + ATTACHMENT_IPC_CHUNK_BYTES).arrayBuffer());
        const r = await parley.appendAttachment({ uploadId, chunk: toBase64(chunk) });
        if (!r.ok) {
          if (cancelled()) return;
          throw Object.assign(new Error(r.message), { code: r.code });
        }
        set({ activeUpload: { uploadId, name: file.name, size: file.size, sent: r.value.received } });
      }
      const message = unwrap(await parley.finishAttachment({ uploadId }));
      set((s) => ({ messages: { ...s.messages, [conversationId]: merge(s.messages[conversationId], [message]) } }));
    } catch (e) {
      set({ messageError: toUiError(e) });
    } finally {
      set({ activeUpload: null });
    }
  },

  watchMessages() {
    return parley.onMessagesChanged(({ conversationId, messages, removedIds, reload }) => {
      // A conversation not loaded yet reads its newest page when it is opened.
      if (!get().messages[conversationId]) return;
      if (reload) return void get().refreshMessages(conversationId);
      set((s) => {
        const list = merge(s.messages[conversationId], messages);
        const gone = new Set(removedIds);
        return { messages: { ...s.messages, [conversationId]: gone.size === 0 ? list : { ...list, items: list.items.filter((m) => !gone.has(m.id)) } } };
      });
    });
  },

  clearMessageError() {
    set({ messageError: null });
  },
});
