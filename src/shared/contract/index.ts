/**
 * The IPC contract: every call the renderer may make (request and response
 * schemas) and every event main may push. The preload bridge, the main
 * handler table and the renderer types are all derived from this file, so a
 * call that is not listed here cannot exist.
 */
import { z } from 'zod';
import type { Result } from './result';

const empty = z.object({}).strict();

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  crypto: z.object({
    library: z.string(),
    libraryVersion: z.string(),
    aead: z.string(),
    kem: z.string(),
  }),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const ConnectionStateSchema = z.object({
  state: z.enum(['offline', 'connecting', 'online']),
  relay: z.string(),
  retryInMs: z.number().int().nonnegative().nullable(),
});
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

export const calls = {
  /** Name, version and the cryptographic suite this build runs. */
  getAppInfo: { request: empty, response: AppInfoSchema },
  /** Current relay connection state (also pushed as `connectionState`). */
  getConnectionState: { request: empty, response: ConnectionStateSchema },
} as const;

export const events = {
  /** Pushed whenever the relay connection changes state. */
  connectionState: ConnectionStateSchema,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type EventName = keyof typeof events;
export type CallRequest<K extends CallName> = z.input<Calls[K]['request']>;
export type ParsedRequest<K extends CallName> = z.output<Calls[K]['request']>;
export type CallResponse<K extends CallName> = z.output<Calls[K]['response']>;
export type EventPayload<K extends EventName> = z.output<(typeof events)[K]>;

export const CALL_NAMES = Object.keys(calls) as CallName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

/** The IPC channel a call travels on. Only the preload and the shell use it. */
export const callChannel = (name: CallName): string => `parley:call:${name}`;
export const eventChannel = (name: EventName): string => `parley:event:${name}`;

/** `connectionState` → `onConnectionState`. */
export type SubscriberName<K extends EventName> = `on${Capitalize<K>}`;
export const subscriberName = <K extends EventName>(name: K): SubscriberName<K> =>
  `on${name.charAt(0).toUpperCase()}${name.slice(1)}` as SubscriberName<K>;

type CallFn<K extends CallName> = {} extends CallRequest<K>
  ? (request?: CallRequest<K>) => Promise<Result<CallResponse<K>>>
  : (request: CallRequest<K>) => Promise<Result<CallResponse<K>>>;

/** Exactly what `window.parley` is: one named function per call and per event. */
export type ParleyApi = { readonly [K in CallName]: CallFn<K> } & {
  readonly [K in EventName as SubscriberName<K>]: (
    listener: (payload: EventPayload<K>) => void,
  ) => () => void;
};

/** The complete, ordered key list of `window.parley`. */
export const BRIDGE_KEYS: readonly string[] = [
  ...CALL_NAMES,
  ...EVENT_NAMES.map((e) => subscriberName(e)),
];
