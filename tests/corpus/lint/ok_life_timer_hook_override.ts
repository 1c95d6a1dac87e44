// A broker service whose base class runs onReady() once when the node joins and onHalt()
// when it leaves: `override` says the base class decides when the hook runs, and nothing in
// this file calls it again, so the grace timer is not replaced while pending.
import { BrokerService } from './broker-base';

export class LedgerSync extends BrokerService {
  private graceTimer?: ReturnType<typeof setTimeout>;
  private pending: string[] = [];

  override async onReady(): Promise<void> {
    this.graceTimer = setTimeout(() => {
      this.pending.length = 0;
    }, 15_000);
    await this.announce('ledger-sync');
  }

  override async onHalt(): Promise<void> {
    clearTimeout(this.graceTimer);
  }

  async announce(name: string): Promise<void> {
    this.pending.push(name);
  }
}
