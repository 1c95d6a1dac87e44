// A Servo per attached servo motor; sweep() can run on several servos at once.
var events = require('events'),
    util = require('util');

var Servo = function (options) {
  this.board = options.board;
  this.pin = options.pin;
  events.EventEmitter.call(this);
};

util.inherits(Servo, events.EventEmitter);

Servo.prototype.sweep = function (options) {
  options = options || {};

  var timeout = { inner: null, outer: null },
      moves = 0,
      lapse = options.lapse || 2000,
      to = options.to || 180,
      from = options.from || 1;
      // the ';' above ends the var list: the handler below is an implicit global
      doSweep = function doSweep(pos) { // leak: global-growth
        var posint = +pos;
        this.write(posint < to ? to : from);
        moves++;
      };

  this.on('read', doSweep);

  timeout.outer = setTimeout(function loop() {
    if (moves < 2) {
      this.read();
      timeout.inner = setTimeout(loop.bind(this), lapse);
    } else {
      clearTimeout(timeout.inner);
      clearTimeout(timeout.outer);
      // removes whichever servo's handler the global holds now
      this.removeListener('read', doSweep);
      this.emit('aftersweep');
    }
  }.bind(this), 0);
};

Servo.prototype.read = function () {
  this.board.write('r' + this.pin);
};

Servo.prototype.write = function (pos) {
  this.board.write('w' + this.pin + ':' + pos);
};

module.exports = Servo;
