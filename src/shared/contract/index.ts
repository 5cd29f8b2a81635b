/**
 * The IPC contract: every call the renderer may make (request and response
 * schemas) and every event main may push. The preload bridge, the main
 * handler table and the renderer types are all derived from this module, so
 * a call that is not listed here cannot exist.
 */
import { z } from 'zod';
import type { Result } from '../result';
import {
  accountCalls,
  appCalls,
  attachmentCalls,
  ConnectionStateSchema,
  contactCalls,
  conversationCalls,
  deviceCalls,
  securityCalls,
  settingsCalls,
} from './calls';
import { groupCalls } from './groupCalls';
import { CONVERSATION_LIST_LIMIT, EVENT_MAX_MESSAGE_ROWS } from '../constants';
import { AttachmentDto, ContactDto, ConversationDto, GroupDto, Id, MessageDto, SessionDto, TransferProgressDto } from './dto';

export * from './dto';
export { AppInfoSchema, ConnectionStateSchema, type AppInfo, type ConnectionState } from './calls';

/** Every call the renderer may make, with its request and response schemas. */
export const calls = {
  ...appCalls,
  ...accountCalls,
  ...contactCalls,
  ...conversationCalls,
  ...attachmentCalls,
  ...settingsCalls,
  ...deviceCalls,
  ...securityCalls,
  ...groupCalls,
} as const;

/** Every event main may push to the renderer, with its payload schema. */
export const events = {
  /** The relay connection changed state. */
  connectionState: ConnectionStateSchema,
  /** The session changed (created, unlocked, locked). */
  sessionChanged: SessionDto,
  /** Account creation progress, step by step. */
  onboardingProgress: z.object({ step: z.enum(['keys', 'store', 'register', 'prekeys', 'done']), label: z.string() }),
  /** Contacts were added or changed (trust, identity): the whole contact list as it now is (`reload`: read it with listContacts instead). */
  contactsChanged: z.object({ contacts: z.array(ContactDto), reload: z.boolean() }),
  /**
   * Conversation list order, previews or unread counts changed. Carries the
   * rows that changed since the previous push and the complete list order;
   * an id in `order` the renderer does not hold, or `reload`, means "read the list again".
   */
  conversationsChanged: z.object({
    changed: z.array(ConversationDto).max(CONVERSATION_LIST_LIMIT),
    order: z.array(Id).max(CONVERSATION_LIST_LIMIT),
    reload: z.boolean(),
  }),
  /**
   * Messages in one conversation were added, changed or removed: the rows as
   * they now are, and the ids that no longer exist. `reload` (a burst larger
   * than one event carries, or rows that could not be read) means "read the newest page again".
   */
  messagesChanged: z.object({
    conversationId: Id,
    messages: z.array(MessageDto).max(EVENT_MAX_MESSAGE_ROWS),
    removedIds: z.array(Id).max(EVENT_MAX_MESSAGE_ROWS),
    reload: z.boolean(),
  }),
  /**
   * Groups changed (members, roles, name, timer, this account's standing, a
   * member's shown name): the groups as they now are. `reload` means "read the
   * groups on screen again with getGroup".
   */
  groupsChanged: z.object({ changed: z.array(GroupDto).max(CONVERSATION_LIST_LIMIT), reload: z.boolean() }),
  /** The other side (in a group: the member `from`) started or stopped typing. */
  typing: z.object({ conversationId: Id, typing: z.boolean(), from: Id }),
  /** Upload or download progress of an attachment. */
  attachmentProgress: AttachmentDto,
  /** Linking, provisioning or restore progress (both linking screens show it). */
  transferProgress: TransferProgressDto,
  /** A fresh install got an answer to its link code: whose account it is and the short code to compare (answer with `answerLink`). */
  linkCheck: z.object({ accountName: z.string(), shortCode: z.string() }),
  /** This account's device list or device names changed. */
  devicesChanged: z.object({}),
} as const;

/** The type of the call table. */
export type Calls = typeof calls;
/** The name of one call. */
export type CallName = keyof Calls;
/** The name of one event. */
export type EventName = keyof typeof events;
/** What the renderer passes to call K (before defaults are applied). */
export type CallRequest<K extends CallName> = z.input<Calls[K]['request']>;
/** What main's handler for call K receives, after the schema parsed it. */
export type ParsedRequest<K extends CallName> = z.output<Calls[K]['request']>;
/** What call K resolves to. */
export type CallResponse<K extends CallName> = z.output<Calls[K]['response']>;
/** What event K carries. */
export type EventPayload<K extends EventName> = z.output<(typeof events)[K]>;

/** Every call name, in table order. */
export const CALL_NAMES = Object.keys(calls) as CallName[];
/** Every event name, in table order. */
export const EVENT_NAMES = Object.keys(events) as EventName[];

/** The IPC channel a call travels on. Only the preload and the shell use it. */
export const callChannel = (name: CallName): string => `parley:call:${name}`;
/** The IPC channel an event travels on. Only the preload and the shell use it. */
export const eventChannel = (name: EventName): string => `parley:event:${name}`;

/** `connectionState` → `onConnectionState`. */
export type SubscriberName<K extends EventName> = `on${Capitalize<K>}`;
/** The `window.parley` key that subscribes to an event: `connectionState` → `onConnectionState`. */
export const subscriberName = <K extends EventName>(name: K): SubscriberName<K> =>
  `on${name.charAt(0).toUpperCase()}${name.slice(1)}` as SubscriberName<K>;

type CallFn<K extends CallName> = {} extends CallRequest<K>
  ? (request?: CallRequest<K>) => Promise<Result<CallResponse<K>>>
  : (request: CallRequest<K>) => Promise<Result<CallResponse<K>>>;

/** Exactly what `window.parley` is: one named function per call and per event. */
export type ParleyApi = { readonly [K in CallName]: CallFn<K> } & {
  readonly [K in EventName as SubscriberName<K>]: (listener: (payload: EventPayload<K>) => void) => () => void;
};

/** The complete, ordered key list of `window.parley`. */
export const BRIDGE_KEYS: readonly string[] = [...CALL_NAMES, ...EVENT_NAMES.map((e) => subscriberName(e))];
