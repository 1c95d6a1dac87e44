// A wiring function the host calls (nothing in this file does) that subscribes to the app's
// event stream is not reported: nothing shows it running twice. The method that subscribes
// per call is the leak.
const { events } = require('./app-events');

const wireNotifications = (mailer) => {
  events.subscribe('invoice.paid', async (event) => {
    await mailer.send(event.customerEmail, 'Thanks for your payment');
  });
};

class ReceiptService {
  constructor(mailer) {
    this.mailer = mailer;
  }

  async requestReceipt(invoiceId, email) {
    events.subscribe('invoice.paid', async (event) => { // expect: listener-not-removed
      if (event.invoiceId === invoiceId) await this.mailer.send(email, 'Your receipt');
    });
  }
}

module.exports = { wireNotifications, ReceiptService };
