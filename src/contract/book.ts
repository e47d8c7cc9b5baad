/**
 * Which contract each channel of a streamer has. A contract passed to any call of the streamer
 * (subscribe, registerHandler, sendMessage...) is bound to its channel name from then on: later
 * calls that name the channel by its string are validated the same way, and the channel's
 * consumer validates what it reads. A channel has at most one contract per streamer.
 */
import { ConfigError } from '../errors.js';
import { checkChannel } from '../resolve-options.js';
import { isChannelContract, type AnyChannelContract, type ChannelRef } from './channel.js';

/** The contract of one channel, as it is now (a contract bound later shows up here). */
export interface ContractSlot {
  readonly contract: AnyChannelContract | undefined;
}

/** The contracts of a streamer's channels. */
export class ContractBook {
  private readonly slots = new Map<string, { contract: AnyChannelContract | undefined }>();

  /**
   * The channel name of `channel` (a name or a contract), checked; a contract is bound to its name.
   * Throws a ConfigError for another contract of the same name, or a value that is neither.
   */
  nameOf(channel: ChannelRef, call: string): string {
    if (!isChannelContract(channel)) {
      if (typeof channel === 'object' && channel !== null) {
        throw new ConfigError(
          `${call}: the channel (first argument) must be a name or a contract made by defineChannel()`,
        );
      }
      return checkChannel(channel, call);
    }
    const name = checkChannel(channel.name, call);
    const slot = this.slotOf(name);
    if (slot.contract === undefined) slot.contract = channel;
    else if (slot.contract !== channel) {
      throw new ConfigError(
        `${call}: channel "${name}" already has another contract in this streamer: define it once (defineChannel) and pass the same object everywhere`,
      );
    }
    return name;
  }

  /** The contract of a channel, if one was bound. */
  get(channel: string): AnyChannelContract | undefined {
    return this.slots.get(channel)?.contract;
  }

  /** A live view of a channel's contract (for its consumer, which may start before a contract is bound). */
  slot(channel: string): ContractSlot {
    return this.slotOf(channel);
  }

  private slotOf(channel: string): { contract: AnyChannelContract | undefined } {
    let slot = this.slots.get(channel);
    if (slot === undefined) {
      slot = { contract: undefined };
      this.slots.set(channel, slot);
    }
    return slot;
  }
}
