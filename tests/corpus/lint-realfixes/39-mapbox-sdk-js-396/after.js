'use strict';
const got = require('got');

// Request id -> the streams of a request in flight, so that it can be aborted.
const requestsUnderway = {};

function nodeAbort(request) {
  const streams = requestsUnderway[request.id];
  if (!streams) return;
  streams.clientRequest.abort();
  delete requestsUnderway[request.id];
}

function createRequestStreams(request) {
  const gotStream = got.stream(request.url(), { method: request.method, retries: 0 });
  return new Promise((resolve) => {
    gotStream.on('request', (clientRequest) => {
      const streams = { clientRequest, gotStream };
      requestsUnderway[request.id] = streams;
      resolve(streams);
    });
  });
}

function nodeSend(request) {
  return createRequestStreams(request).then(({ gotStream }) => new Promise((resolve, reject) => {
    let body = '';
    gotStream.on('data', (chunk) => { body += chunk; });
    gotStream.on('end', () => {
      delete requestsUnderway[request.id];
      resolve({ request, body });
    });
    gotStream.on('error', (error) => {
      delete requestsUnderway[request.id];
      reject(error);
    });
  }));
}

module.exports = { nodeAbort, nodeSend };
