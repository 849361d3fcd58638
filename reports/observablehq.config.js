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
  // No favicon request to a server that has none.
  head: '<link rel="icon" href="data:,">',
  // `data/x.json.sql` and `data/x.csv.sql` loaders run the same SQL an analyst runs with
  // `crmlake sql --format json|csv --file` (sql-loader.js picks the format from the name).
  interpreters: {
    '.sql': [process.execPath, path.join(here, 'sql-loader.js')],
  },
  footer: 'Built by crmlake from the marts in the lake; every number names the mart it comes from.',
};
