// A SpreadsheetCell is built for every cell of every getCells() response, a
// SpreadsheetWorksheet for every sheet of every getInfo().
var SpreadsheetWorksheet = function (spreadsheet, data) {
  var self = this;

  self.url = data.id;
  self.id = data.id.substring(data.id.lastIndexOf("/") + 1);
  self.title = data.title;

  links = {}; // leak: global-growth
  data.link.forEach(function (link) {
    links[link['$']['rel']] = link['$']['href'];
  });
  self['_links'] = links;
};

var SpreadsheetCell = function (spreadsheet, worksheet_id, data) {
  var self = this;

  function init() {
    self.id = data['id'];
    self.row = parseInt(data['gs:cell']['$']['row']);
    self.col = parseInt(data['gs:cell']['$']['col']);
    self._value = data['gs:cell']['_'];

    links = {}; // leak: global-growth
    data.link.forEach(function (link) {
      links[link['$']['rel']] = link['$']['href'];
    });
    self['_links'] = links;
  }

  init();
};

module.exports = { SpreadsheetWorksheet: SpreadsheetWorksheet, SpreadsheetCell: SpreadsheetCell };
