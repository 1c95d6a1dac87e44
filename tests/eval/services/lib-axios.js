'use strict';
// A backend-for-frontend that calls its upstream with axios@1, adding the caller's token as a
// request interceptor on each call (axios issue #1645's shape).
const http = require('http');
const axios = require('axios');

const port = Number(process.env.PORT);
const api = axios.create({ baseURL: `http://127.0.0.1:${port}`, timeout: 5000 });
api.interceptors.response.use((response) => response.data);

class CallContext { // eval: axios-interceptors
  constructor(n) { // eval: axios-interceptors
    this.n = n;
    this.token = 'Bearer ' + n.toString(36).padStart(24, 'x');
    this.trace = ['bff', 'upstream', String(n)];
  }
}

let n = 0;
async function fetchProfile() {
  const context = new CallContext(++n); // eval: axios-interceptors
  api.interceptors.request.use((config) => { // eval: axios-interceptors
    config.headers.Authorization = context.token;
    return config;
  });
  return api.get('/upstream/profile');
}

http.createServer(async (req, res) => {
  if (req.url.startsWith('/upstream')) return res.end(JSON.stringify({ name: 'ada' }));
  try {
    const profile = await fetchProfile();
    res.end(JSON.stringify(profile));
  } catch (err) {
    res.statusCode = 502;
    res.end(String(err.message));
  }
}).listen(port, '127.0.0.1');
