'use strict';
// Rendered previews kept for a short while: each entry arms its own timer, whose callback
// asks expire() to take the entry out. The eviction is in the timer, one method away.
class PreviewService {
  constructor(renderer) {
    this.renderer = renderer;
    this.previews = new Map();
  }

  async preview(slug) {
    const hit = this.previews.get(slug);
    if (hit) return hit.html;
    const html = await this.renderer.render(slug);
    const self = this;
    this.previews.set(slug, { html, timer: setTimeout(function () { self.expire(slug); }, 30000) });
    return html;
  }

  expire(slug) {
    this.previews.delete(slug);
  }
}

module.exports = new PreviewService(require('./renderer'));
