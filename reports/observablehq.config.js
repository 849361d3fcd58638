// Observable Framework config for the crmlake report site. Built by `crmlake report`, which sets
// CRMLAKE_LAKE (the lake the data loaders read) and CRMLAKE_REPORT_OUT (the output folder).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const crmlake = path.join(here, '..', 'bin', 'crmlake.js');

export default {
  title: 'crmlake',
  root: 'src',
  output: process.env.CRMLAKE_REPORT_OUT ?? 'dist',
  // No web fonts or CDN stylesheets: the site must open on a locked-down laptop.
  globalStylesheets: [],
  style: 'style.css',
  pager: false,
  // No favicon request to a server that has none.
  head: '<link rel="icon" href="data:,">',
  search: false,
  // `data/x.json.sql` loaders run the same SQL an analyst runs with `crmlake sql`.
  interpreters: {
    '.sql': [process.execPath, crmlake, 'sql', '--format', 'json', '--file'],
  },
  footer: 'Built by crmlake from the marts in the lake; every number names the mart it comes from.',
};
