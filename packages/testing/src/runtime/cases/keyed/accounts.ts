import { Actor, Publishes, State, Subscribe, topic } from '@hopbus/core';
import type { MessageContext, Publisher, RetryOptions, ServiceClass, Topic } from '@hopbus/core';
import { Container, inject, injectable } from 'inversify';
import type { RuntimeRig } from '../../RuntimeRig.js';

export interface Deposit {
  readonly account: string;
  readonly amount: number;
}
export interface BalanceChanged {
  readonly account: string;
  readonly balance: number;
  readonly seq: number;
}

/** Counts the instances the container makes, and what they see. */
@injectable()
export class Ledger {
  made = 0;
  /** `key@attempt balance` as each turn begins. */
  readonly seen: string[] = [];
}

export interface Bank {
  readonly Deposited: Topic<Deposit>;
  readonly Changed: Topic<BalanceChanged>;
  readonly Account: ServiceClass;
  readonly ledger: Ledger;
  readonly container: Container;
  /** What consumers of Changed received, per account, in order. */
  readonly changes: Map<string, BalanceChanged[]>;
  /** A consumer of Changed (an unkeyed actor). */
  readonly Auditor: ServiceClass;
}

export interface BankOptions {
  readonly idleMs?: number;
  readonly maxActive?: number;
  readonly retry?: RetryOptions;
  /** Called in each turn after the state changed and the output was held. */
  readonly during?: (deposit: Deposit, ctx: MessageContext) => unknown;
}

/** The Account: a keyed actor counting deposits per account, publishing each new balance. */
export function bank(rig: RuntimeRig, label: string, options: BankOptions = {}): Bank {
  const Deposited = rig.topic<Deposit>(`${label}.deposited`);
  const Changed = topic<BalanceChanged>(`${Deposited.name}.balance`);
  const ledger = new Ledger();
  const container = new Container();
  container.bind(Ledger).toConstantValue(ledger);
  const changes = new Map<string, BalanceChanged[]>();

  @Actor(`accounts-${label}`, { keyed: true, idleMs: options.idleMs ?? 60_000, maxActive: options.maxActive ?? 10_000 })
  class Account {
    @State() balance = 0;
    @State() seq = 0;
    @Publishes(Changed) private readonly changed!: Publisher<BalanceChanged>;

    constructor(@inject(Ledger) private readonly book: Ledger) {
      book.made++;
    }

    @Subscribe(Deposited, { ackTimeoutMs: rig.ackTimeoutMs, retry: options.retry ?? { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 } })
    async deposit(e: Deposit, ctx: MessageContext): Promise<void> {
      this.book.seen.push(`${ctx.key}@${ctx.attempt} ${this.balance}`);
      this.balance += e.amount;
      this.seq += 1;
      await this.changed.publish({ account: ctx.key!, balance: this.balance, seq: this.seq }, { key: ctx.key! });
      await options.during?.(e, ctx);
    }
  }

  @Actor(`auditor-${label}`)
  class Auditor {
    @Subscribe(Changed, { ackTimeoutMs: rig.ackTimeoutMs })
    note(change: BalanceChanged): void {
      const list = changes.get(change.account) ?? [];
      list.push(change);
      changes.set(change.account, list);
    }
  }

  return { Deposited, Changed, Account, ledger, container, changes, Auditor };
}

/** Number of changes received in all. */
export function changeCount(bank: Bank): number {
  let count = 0;
  for (const list of bank.changes.values()) count += list.length;
  return count;
}

export const needsActorTurns = (features: { readonly actorTurns?: boolean }): string | undefined =>
  features.actorTurns === true ? undefined : 'the transport does not commit actor turns';
