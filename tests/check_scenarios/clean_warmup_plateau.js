// Correct: a lookup table that fills up over the first 300 iterations, then stays that size.
const table = new Map();
let n = 0;

exports.iteration = function lookup() {
  n += 1;
  const key = n % 300;
  if (!table.has(key)) table.set(key, { key, label: 'item ' + key, weights: [key, key * 2] });
  return table.get(key).label;
};
