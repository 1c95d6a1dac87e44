// The installer's own replay feed dies with the call; the array grows only while it replays,
// and a callback run once (a promise's settlement) adds one entry.
module.exports = function replayAll(source, Feed) {
  const seen = [];
  const replay = new Feed(source);
  replay.subscribe('tick', (tick) => {
    seen.push(tick.symbol);
  });
  replay.drain().then((total) => {
    seen.push(`total:${total}`);
  });
  return replay.done.then(() => seen);
};
