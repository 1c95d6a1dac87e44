// Correct: heavy allocation per iteration, all of it garbage by the end of the iteration.
exports.iteration = async function render() {
  const rows = [];
  for (let i = 0; i < 500; i++) rows.push({ i, name: 'row ' + i, cells: [i, i + 1, i + 2] });
  const text = JSON.stringify(rows);
  const parsed = JSON.parse(text);
  await new Promise((resolve) => setImmediate(resolve));
  return parsed.length + text.length;
};
