// Observable Framework config for the crmlake report site. Built by `crmlake report`, which sets
// CRMLAKE_LAKE (the lake the data loaders read), CRMLAKE_REPORT_SRC (the build's own copy of
// src/, see src/report/build.ts) and CRMLAKE_REPORT_OUT (the output folder).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export default {
  title: 'crmlake',
  root: process.env.CRMLAKE_REPORT_SRC ?? 'src',
  output: process.env.CRMLAKE_REPORT_OUT ?? 'dist',
  // One entry per page; the sidebar lists them all (print hides it).
  pages: [
    { name: 'Overview', path: '/' },
    { name: 'Campaign ROI', path: '/roi' },
    { name: 'Satisfaction', path: '/satisfaction' },
    { name: 'Customers', path: '/customers' },
    { name: 'Lifetime value', path: '/clv' },
    { name: 'Call center', path: '/call-center' },
    { name: 'Web', path: '/web' },
    { name: 'Data quality', path: '/data-quality' },
  ],
  sidebar: true,
  toc: false,
  pager: false,
  search: false,
  // No web fonts or CDN stylesheets: the site must open on a locked-down laptop.
  globalStylesheets: [],
  style: 'style.css',
  // Links name files (`roi.html`, `index.html`), not clean URLs (`./roi`): any static file
  // server, and S3 behind CloudFront (where `./roi` is a 403), serves them as they are.
  preserveExtension: true,
  preserveIndex: true,
  // No favicon request to a server that has none. Opened from file://, the browser refuses the
  // pages' modules and data, so instead of spinners the page says how to view the site.
  head: `<link rel="icon" href="data:,">
<script>
if (location.protocol === "file:") addEventListener("DOMContentLoaded", function () {
  var main = document.getElementById("observablehq-main") || document.body;
  main.innerHTML = '<h1>Open this report through a web server</h1>' +
    '<p id="file-protocol-message">Browsers do not run a report opened straight from a file (file://). ' +
    'Serve its folder: <code></code>, then browse http://127.0.0.1:8080/. Any static file server works as well ' +
    '(for example <code>python3 -m http.server 8080</code> in the folder), and so does S3 behind CloudFront.</p>';
  main.querySelector("code").textContent = "crmlake serve --dir " + decodeURIComponent(location.pathname.replace(/\\/[^/]*$/, ""));
});
</script>`,
  // `data/x.json.sql` and `data/x.csv.sql` loaders run the same SQL an analyst runs with
  // `crmlake sql --format json|csv --file` (sql-loader.js picks the format from the name).
  interpreters: {
    '.sql': [process.execPath, path.join(here, 'sql-loader.js')],
  },
  footer: 'Built by crmlake from the marts in the lake; every number names the mart it comes from.',
};
