/**
 * A group of three real profiles on a real relay for group tests: Ann (the
 * admin) adds Ben and Cat as contacts, creates the group, and sends a first
 * message that hands out her sender key; it returns once both members show it.
 */
import { createUser, eventually, type TestUser } from './chatHarness';

/** Ann, Ben and Cat (names suffixed with `tag`) in a group named `name`, Ann's sender key handed out. */
export async function groupTrio(relayUrl: string, tag: string, name: string): Promise<{ ann: TestUser; ben: TestUser; cat: TestUser; groupId: string }> {
  const ann = await createUser(`Ann ${tag}`, relayUrl);
  const ben = await createUser(`Ben ${tag}`, relayUrl);
  const cat = await createUser(`Cat ${tag}`, relayUrl);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), 'Ben');
  await ann.messenger.contacts.add(cat.messenger.account.invite(), 'Cat');
  const groupId = (await ann.messenger.groups.create(name, [ben.messenger.keys.accountId, cat.messenger.keys.accountId])).id;
  await eventually(() => [ben, cat].every((u) => u.messenger.groups.list().some((g) => g.id === groupId)));
  const first = await ann.messenger.groups.sendText(groupId, `${name}: first word`);
  await eventually(() => [ben, cat].every((u) => u.messenger.store.messages.get(first.id)?.body === `${name}: first word`), 20_000);
  await ann.messenger.conversations.flush();
  return { ann, ben, cat, groupId };
}
