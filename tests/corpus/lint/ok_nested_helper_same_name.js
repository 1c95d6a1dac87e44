'use strict';
// Two functions each have a local helper called `walk`: the per-request one calls its own, not
// the other's, whose list is returned and dies with the call (read from session 11's reviews of
// wildduck).
function flatAddresses(addresses) {
  const list = [];
  const walk = (address) => {
    if (address.address) {
      list.push(address);
    } else if (address.group) {
      address.group.forEach(walk);
    }
  };
  walk(addresses);
  return list;
}

function render(req, res) {
  const walk = (node) => (Array.isArray(node) ? node.map(walk) : String(node));
  res.end(walk(req.body));
}

module.exports = { flatAddresses, render };
