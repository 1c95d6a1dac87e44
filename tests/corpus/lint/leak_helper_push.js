// The growth happens through a helper in the same file that receives the array.
const events = [];

function append(list, item) {
  list.push(item);
}

function track(event) {
  append(events, event); // expect: module-collection-growth
}

module.exports = { track };
