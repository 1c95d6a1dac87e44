'use strict';
// Heavier resources per call: a headless browser, a Kafka producer, a proxy agent
// (issue 11, mode 2).
const puppeteer = require('puppeteer');
const { chromium } = require('playwright');
const { Kafka } = require('kafkajs');
const { HttpsProxyAgent } = require('https-proxy-agent');

const kafka = new Kafka({ clientId: 'api', brokers: ['127.0.0.1:9092'] });

async function renderPdf(req, res) {
  const browser = await puppeteer.launch(); // expect: client-per-request
  const page = await browser.newPage();
  await page.goto(req.query.url);
  res.send(await page.pdf());
}

async function screenshot(req, res) {
  const browser = await chromium.launch(); // expect: client-per-request
  const page = await browser.newPage();
  await page.goto(req.query.url);
  res.send(await page.screenshot());
}

async function publish(req, res) {
  const producer = kafka.producer(); // expect: client-per-request
  await producer.connect();
  await producer.send({ topic: 'events', messages: [{ value: JSON.stringify(req.body) }] });
  res.sendStatus(202);
}

async function viaProxy(req, res) {
  const agent = new HttpsProxyAgent(process.env.PROXY_URL); // expect: client-per-request
  const upstream = await fetch(req.query.url, { agent });
  res.send(await upstream.text());
}

module.exports = { renderPdf, screenshot, publish, viaProxy };
