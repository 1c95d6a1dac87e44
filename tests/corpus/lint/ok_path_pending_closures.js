// Look-alikes: the call itself takes its closure out again (a timeout on its own path), the
// call drops the previous entry for its key first, the table is rebuilt from another table,
// or the table is weak.
const express = require('express');

const router = express.Router();
const awaitingApproval = new Map();

router.post('/refunds', async (req, res) => {
  const refund = { id: String(Date.now()), amount: req.body.amount };
  awaitingApproval.set(refund.id, () => issueRefund(refund));
  setTimeout(() => awaitingApproval.delete(refund.id), 15 * 60 * 1000).unref();
  res.status(202).json({ id: refund.id });
});

router.post('/refunds/:id/approve', async (req, res) => {
  const issue = awaitingApproval.get(req.params.id);
  awaitingApproval.delete(req.params.id);
  if (issue) await issue();
  res.sendStatus(204);
});

class Mounts {
  constructor() {
    this.unmounters = {};
    this.formatters = new Map();
    this.owners = new WeakMap();
  }

  async mount(path) {
    await this.unmount(path);
    const handle = await openMount(path);
    this.unmounters[path] = async () => handle.release();
  }

  async unmount(path) {
    const release = this.unmounters[path];
    delete this.unmounters[path];
    if (release) await release();
  }

  loadFormatters(kinds) {
    for (const kind of kinds) {
      this.formatters.set(kind.name, (value) => kind.format(value));
    }
  }

  dropFormatters() {
    this.formatters.clear();
  }

  claim(session, path) {
    this.owners.set(session, () => this.unmount(path));
  }

  release(session) {
    this.owners.delete(session);
  }
}

async function openMount(path) { return { path, release() {} }; }
async function issueRefund() {}

module.exports = { router, Mounts };
