'use strict';
function trackUpload(req, ee, uploadBodySize) {
  ee.emit('uploadProgress', { percent: 0, transferred: 0, total: uploadBodySize });
  if (req.connection) {
    req.connection.once('connect', () => { // leak: listener-leak
      const timer = setInterval(() => {
        ee.emit('uploadProgress', { transferred: req.connection.bytesWritten, total: uploadBodySize });
      }, 150);
      req.once('response', () => clearInterval(timer));
    });
  }
}

module.exports = trackUpload;
