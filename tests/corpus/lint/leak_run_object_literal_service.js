// A method of an object literal written at module level (a service definition a framework
// calls per action) runs again, and `this` there is that one long-lived object: a listener it
// adds to a bus hanging off `this` stays. Seventh session; this file's own names and shape.
module.exports = {
  label: 'invoices',
  routines: {
    settle: {
      async run(job) {
        const invoice = await this.store.load(job.args.id);
        this.hub.events.on('ledger:closed', () => { // expect: listener-not-removed
          this.log.info('ledger closed while settling', invoice.id);
        });
        return invoice;
      },
    },
  },
};
