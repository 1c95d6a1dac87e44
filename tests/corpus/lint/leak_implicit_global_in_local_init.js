// Every row object runs its local init(), which builds the row's link table in an
// undeclared name: each row made (per response) overwrites the global with its own table.
var Row = function (data) {
  var self = this;

  function init() {
    self.id = data.id;
    refs = {}; // expect: implicit-global
    data.links.forEach(function (link) {
      refs[link.rel] = link.href;
    });
    self.refs = refs;
  }

  init();
};

module.exports = Row;
