// The link-call node: one instance per node in the deployed flows; every
// deploy closes the old instances and creates new ones. Each message it sends
// waits (default 30 s) for the link-out node to return it.
const crypto = require("crypto");

module.exports = function (RED) {
    function LinkCallNode(n) {
        RED.nodes.createNode(this, n);
        const node = this;
        const messageEvents = {};

        let timeout = parseFloat(n.timeout || "30") * 1000;
        if (isNaN(timeout)) {
            timeout = 30000;
        }

        this.on("input", function (msg, send, done) {
            const targetNode = RED.nodes.getNode(n.links[0]);
            msg._linkSource = msg._linkSource || [];
            const messageEvent = { id: crypto.randomBytes(14).toString("hex"), node: node.id };
            messageEvents[messageEvent.id] = {
                msg: RED.util.cloneMessage(msg),
                send,
                done,
                // cleared when the message comes back; a close of the node leaves it armed
                ts: setTimeout(function () { // leak: timer-leak
                    timeoutMessage(messageEvent.id);
                }, timeout)
            };
            msg._linkSource.push(messageEvent);
            targetNode.receive(msg);
        });

        this.returnLinkMessage = function (eventId, msg) {
            const messageEvent = messageEvents[eventId];
            if (messageEvent) {
                clearTimeout(messageEvent.ts);
                delete messageEvents[eventId];
                messageEvent.send(msg);
                messageEvent.done();
            }
        };

        function timeoutMessage(eventId) {
            const messageEvent = messageEvents[eventId];
            if (messageEvent) {
                delete messageEvents[eventId];
                node.error("timeout", messageEvent.msg);
            }
        }
    }
    RED.nodes.registerType("link call", LinkCallNode);
};
