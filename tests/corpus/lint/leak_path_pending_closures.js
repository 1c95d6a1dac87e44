// Closures a call leaves in a long-lived table, taken out only by code that runs on another
// event (a confirmation, a resume) that may never come. Sixth session; names and shapes are
// this file's own.
const express = require('express');

const router = express.Router();
const awaitingConfirmation = new Map();

router.post('/transfers', async (req, res) => {
  const transfer = await prepareTransfer(req.body);
  awaitingConfirmation.set(transfer.token, () => commitTransfer(transfer, req.user)); // expect: closure-captures-request
  res.status(202).json({ token: transfer.token });
});

router.post('/transfers/:token/confirm', async (req, res) => {
  const commit = awaitingConfirmation.get(req.params.token);
  awaitingConfirmation.delete(req.params.token);
  if (commit) await commit();
  res.sendStatus(204);
});

class Outbox {
  constructor(transport) {
    this.transport = transport;
    this.paused = true;
    this.deferred = [];
  }

  deliver(envelope) {
    if (this.paused) {
      this.deferred.push(() => this.transport.write(envelope)); // expect: closure-captures-request
      return;
    }
    this.transport.write(envelope);
  }

  resume() {
    this.paused = false;
    const waiting = this.deferred;
    this.deferred = [];
    for (const send of waiting) send();
  }
}

async function prepareTransfer(body) { return { token: String(Date.now()), body }; }
async function commitTransfer() {}

module.exports = { router, Outbox };

// A table hung on the application object a plugin is handed: it lives as long as the app.
function invitesPlugin(server) {
  server.decorate('pendingInvites', new Map());

  server.post('/invites', async (request) => {
    const code = `${request.user.id}:${Date.now()}`;
    server.pendingInvites.set(code, () => grantAccess(request.user, request.body.team)); // expect: closure-captures-request
    return { code };
  });

  server.post('/invites/:code/accept', async (request) => {
    const grant = server.pendingInvites.get(request.params.code);
    server.pendingInvites.delete(request.params.code);
    if (grant) await grant();
    return { ok: true };
  });
}

async function grantAccess() {}

module.exports.invitesPlugin = invitesPlugin;
