'use strict';
const pingTimeout = 30000;

function closeConn(doc, conn) {
  if (doc.conns.has(conn)) {
    doc.conns.delete(conn);
  }
  conn.close();
}

exports.setupWSConnection = (conn, req, { docName = req.url.slice(1) } = {}) => {
  const doc = exports.getYDoc(docName);
  doc.conns.set(conn, new Set());
  let pongReceived = true;
  const pingInterval = setInterval(() => { // leak: timer-leak
    if (!pongReceived) {
      if (doc.conns.has(conn)) {
        closeConn(doc, conn);
      }
      clearInterval(pingInterval);
    } else if (doc.conns.has(conn)) {
      pongReceived = false;
      try {
        conn.ping();
      } catch (e) {
        closeConn(doc, conn);
      }
    }
  }, pingTimeout);
  conn.on('close', () => {
    closeConn(doc, conn);
  });
  conn.on('pong', () => {
    pongReceived = true;
  });
};
