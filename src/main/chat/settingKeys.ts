/** Keys of the `settings` rows the messaging core reads and writes. */
export const SETTING = {
  registered: 'relay.registered',
  prekeysUploaded: 'relay.prekeysUploaded',
  readReceipts: 'privacy.readReceipts',
  typingIndicators: 'privacy.typingIndicators',
  notificationPreviews: 'privacy.notificationPreviews',
  relayUrl: 'relay.url',
} as const;
