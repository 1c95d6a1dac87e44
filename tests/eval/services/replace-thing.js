'use strict';
// The "unused closure keeps the old object" shape (Meteor's write-up), in a small http
// handler that refreshes a module-level value on each request.
const http = require('http');

let theThing = null;
let refreshes = 0;

function replaceThing() {
  const originalThing = theThing;
  const unused = function () { // eval: replaced-thing
    if (originalThing) return 'had a thing';
    return 'no thing';
  };
  theThing = { // eval: replaced-thing
    longStr: new Array(200).join('*') + (++refreshes),
    someMethod: function () { // eval: replaced-thing
      return refreshes;
    },
  };
}

// A look-alike: the current settings are replaced, and the old ones are really gone.
class SettingsSnapshot {
  constructor(version) {
    this.version = version;
    this.values = new Array(64).fill(version);
    this.loadedAt = Date.now();
  }
}
let currentSettings = new SettingsSnapshot(0);

http.createServer((req, res) => {
  replaceThing();
  currentSettings = new SettingsSnapshot(currentSettings.version + 1);
  res.end(String(theThing.someMethod()) + ' ' + currentSettings.version);
}).listen(Number(process.env.PORT), '127.0.0.1');
