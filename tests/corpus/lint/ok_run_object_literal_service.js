// Look-alike: the routine removes what it added once the work is done, and a getter of a
// prototype descriptor runs on each object (its `this` is not the literal).
module.exports = {
  label: 'refunds',
  routines: {
    settle: {
      async run(job) {
        const onClosed = () => this.log.info('ledger closed while refunding', job.args.id);
        this.hub.events.on('ledger:closed', onClosed);
        try {
          return await this.store.load(job.args.id);
        } finally {
          this.hub.events.off('ledger:closed', onClosed);
        }
      },
    },
  },
};

function Ticket(raw) { this.raw = raw; }
Object.defineProperties(Ticket.prototype, {
  closed: {
    get() {
      this.raw.on('end', () => { this.done = true; });
      return this.done;
    },
  },
});
