/** Keys of the `settings` rows the messaging core reads and writes. */
export const SETTING = {
  registered: 'relay.registered',
  prekeysUploaded: 'relay.prekeysUploaded',
  readReceipts: 'privacy.readReceipts',
  typingIndicators: 'privacy.typingIndicators',
  notificationPreviews: 'privacy.notificationPreviews',
  relayUrl: 'relay.url',
  /** Set when this device was just linked or restored: announce it to contacts and own devices once online. */
  announce: 'devices.announce',
  /** Set by "Remove and secure" until the relay recorded the old key as superseded and the old backup is deleted (JSON, docs/protocol.md §6.8). */
  securePending: 'devices.securePending',
} as const;
