import { describe, expect, it } from 'vitest';
import { AccountBus } from '../../../src/main/account/events';

describe('the account event bus', () => {
  it('runs handlers in subscription order with the emitted arguments, and not after unsubscribing', () => {
    const bus = new AccountBus();
    const seen: string[] = [];
    bus.on('messagesChanged', (c, ids) => void seen.push(`a:${c}:${ids.join(',')}`));
    const off = bus.on('messagesChanged', (c) => void seen.push(`b:${c}`));
    bus.emit('messagesChanged', 'conv', ['m1', 'm2']);
    off();
    bus.emit('messagesChanged', 'conv2', []);
    expect(seen).toEqual(['a:conv:m1,m2', 'b:conv', 'a:conv2:']);
  });

  it('lets a throwing handler throw to the emitter, as a direct call would', () => {
    const bus = new AccountBus();
    bus.on('contactsChanged', () => {
      throw new Error('handler failed');
    });
    expect(() => bus.emit('contactsChanged')).toThrow('handler failed');
  });

  it('waits for async handlers one after the other in emitAndWait', async () => {
    const bus = new AccountBus();
    const order: string[] = [];
    bus.on('contactsEdited', async (ids) => {
      await new Promise((r) => setTimeout(r, 20));
      order.push(`slow:${ids.join(',')}`);
    });
    bus.on('contactsEdited', () => void order.push('fast'));
    await bus.emitAndWait('contactsEdited', ['x']);
    expect(order).toEqual(['slow:x', 'fast']);
  });

  it('maps the UI handlers of onAll and chatEvents onto the same events', () => {
    const bus = new AccountBus();
    const typing: [string, boolean, string][] = [];
    bus.onAll({ typing: (c, t, f) => typing.push([c, t, f]) });
    bus.chatEvents().typing('conv', true, 'someone');
    expect(typing).toEqual([['conv', true, 'someone']]);
  });
});
