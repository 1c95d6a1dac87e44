// A CommonJS script (no 'use strict') whose constructor forgets to declare a name a browser
// would provide: Node has no `self` or `name`, so each assignment makes a global that keeps
// the latest object alive after its call.
var events = require('events');

function Transfer(account, amount) {
  events.EventEmitter.call(this);
  self = this; // expect: implicit-global
  self.account = account;
  self.amount = amount;
}

function label(transfer) {
  name = transfer.account.owner; // expect: implicit-global
  return name.toUpperCase();
}

module.exports = { Transfer: Transfer, label: label };
