'use strict';
// Look-alikes of leak_call_browsers.js: closed in finally, or made once; and a hosted client
// meant to be made per request.
const puppeteer = require('puppeteer');
const { Kafka } = require('kafkajs');
const { HttpsProxyAgent } = require('https-proxy-agent');
const { createClient } = require('@supabase/supabase-js');

const kafka = new Kafka({ clientId: 'api', brokers: ['127.0.0.1:9092'] });
const producer = kafka.producer();
const agent = new HttpsProxyAgent(process.env.PROXY_URL);

async function renderPdf(req, res) {
  const browser = await puppeteer.launch();
  try {
    const page = await browser.newPage();
    await page.goto(req.query.url);
    res.send(await page.pdf());
  } finally {
    await browser.close();
  }
}

async function publish(req, res) {
  await producer.send({ topic: 'events', messages: [{ value: JSON.stringify(req.body) }] });
  res.sendStatus(202);
}

async function viaProxy(req, res) {
  const upstream = await fetch(req.query.url, { agent });
  res.send(await upstream.text());
}

async function profile(req, res) {
  const supabase = createClient(process.env.SUPABASE_URL, req.headers.authorization);
  const { data } = await supabase.from('profiles').select('*');
  res.json(data);
}

module.exports = { renderPdf, publish, viaProxy, profile };
