// A worker script with no require or exports: `onmessage` and `self` are the worker's own
// globals, assigning them is how a worker answers.
function total(values) {
  var sum = 0;
  for (var i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

function install() {
  onmessage = function (event) {
    self.postMessage({ total: total(event.data) });
  };
}

install();
