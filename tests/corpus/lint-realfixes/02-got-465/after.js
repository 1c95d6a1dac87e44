'use strict';
function trackUpload(req, ee, uploadBodySize) {
  ee.emit('uploadProgress', { percent: 0, transferred: 0, total: uploadBodySize });
  const socket = req.connection;
  if (socket) {
    const onSocketConnect = () => {
      const timer = setInterval(() => {
        ee.emit('uploadProgress', { transferred: socket.bytesWritten, total: uploadBodySize });
      }, 150);
      req.once('response', () => clearInterval(timer));
    };
    if (socket.connecting) {
      socket.once('connect', onSocketConnect);
    } else {
      onSocketConnect();
    }
  }
}

module.exports = trackUpload;
