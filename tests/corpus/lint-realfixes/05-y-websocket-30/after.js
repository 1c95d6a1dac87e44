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
  const pingInterval = setInterval(() => {
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
        clearInterval(pingInterval);
      }
    }
  }, pingTimeout);
  conn.on('close', () => {
    closeConn(doc, conn);
    clearInterval(pingInterval);
  });
  conn.on('pong', () => {
    pongReceived = true;
  });
};
