'use strict';
// async/await style with module-level caches. Plain node http.
const http = require('http');
const { randomUUID } = require('crypto');

const renderCache = {};
const templateCache = new Map();
const TEMPLATES = ['invoice', 'receipt', 'statement', 'summary'];

class CompiledTemplate {
  constructor(name) {
    this.name = name;
    this.parts = new Array(200).fill(name);
  }
}

class RenderedReport { // eval: render-cache
  constructor(key, template, rows) { // eval: render-cache
    this.key = key;
    this.template = template.name;
    this.html = '<table>' + rows.map((r) => `<tr><td>${r}</td></tr>`).join('') + '</table>';
  }
}

async function loadTemplate(name) {
  if (!templateCache.has(name)) {
    await new Promise((resolve) => setImmediate(resolve));
    templateCache.set(name, new CompiledTemplate(name));
  }
  return templateCache.get(name);
}

async function render(reportId, templateName) {
  const key = `${templateName}:${reportId}`;
  if (renderCache[key]) return renderCache[key];
  const template = await loadTemplate(templateName);
  const rows = [reportId, templateName, String(Date.now())];
  const report = new RenderedReport(key, template, rows); // eval: render-cache
  renderCache[key] = report; // eval: render-cache
  return report;
}

let n = 0;
http.createServer(async (req, res) => {
  n += 1;
  const reportId = randomUUID();
  const report = await render(reportId, TEMPLATES[n % TEMPLATES.length]);
  res.setHeader('content-type', 'text/html');
  res.end(report.html);
}).listen(Number(process.env.PORT), '127.0.0.1');
