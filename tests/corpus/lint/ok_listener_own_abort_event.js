// A request context listens for its own 'abort' event in its constructor: the listener is on
// the object itself, one per object, and goes when the object goes.
const { EventEmitter } = require('events');

class PromptContext extends EventEmitter {
  constructor(questions, reply) {
    super();
    this.questions = questions;
    this.reply = reply;
    this.on('abort', () => {
      this.reply && this.reply(new Error('prompt aborted'));
    });
  }
}

module.exports = function ask(questions, reply) {
  return new PromptContext(questions, reply);
};
