const requests = [];
const seenUsers = new Set();
const byId = {};

function record(req) {
  requests.push({ url: req.url, headers: req.headers, at: Date.now() }); // expect: module-collection-growth
}

function markSeen(user) {
  seenUsers.add(user.id); // expect: module-collection-growth
}

function remember(order) {
  byId[order.id] = order; // expect: module-collection-growth
}

module.exports.middleware = (req, res, next) => {
  record(req);
  markSeen(req.user);
  next();
};
module.exports.remember = remember;
