'use strict';
// Handles kept in one module variable but started from code that runs again and again.
const cron = require('node-cron');

let poller;
function pollStatus(url) {
  poller = setInterval(() => fetch(url).catch(() => {}), 5000); // expect: timer-overwritten
}

cron.schedule('*/10 * * * *', () => pollStatus(process.env.STATUS_URL));

let readiness;
class Widget {
  constructor(element) {
    this.element = element;
    readiness = setInterval(() => this.check(), 500); // expect: timer-overwritten (known miss: a second instance is not in the file)
  }

  check() {
    if (this.element.ready) clearInterval(readiness);
  }

  destroy() {
    clearInterval(readiness);
  }
}

process.on('SIGTERM', () => clearInterval(poller));

module.exports = { Widget };
