'use strict';
// One moderation service for the process counts strikes per author; no strike ever expires
// and no author's count is ever dropped: one entry per author who ever posted badly.
class Moderation {
  constructor() {
    this.strikes = {};
  }

  review(post) {
    if (!post.flagged) return 'ok';
    this.strikes[post.authorId] = (this.strikes[post.authorId] || 0) + 1; // expect: field-collection-growth
    return this.strikes[post.authorId] > 3 ? 'ban' : 'warn';
  }
}

module.exports = new Moderation();
