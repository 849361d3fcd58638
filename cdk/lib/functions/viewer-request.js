// CloudFront Function (cloudfront-js-2.0), viewer request of the reports site. Two jobs:
//
// 1. Access control: HTTP Basic authentication against the users in a CloudFront KeyValueStore.
//    A user is the key `user:<name>`, its value the hex SHA-256 of `<name>:<password>` (no
//    password is stored in clear, and adding or removing a reader needs no deploy):
//      aws cloudfront-keyvaluestore put-key --kvs-arn <ReportsUsersStoreArn> --key user:alice \
//        --value "$(printf '%s' 'alice:<password>' | sha256sum | cut -d' ' -f1)" --if-match <ETag>
//    With no matching user the answer is 401 with a login prompt; nothing of the site is served.
// 2. Clean URLs: the site links to `/roi` but the object is `roi.html`; with origin access
//    control S3 answers 403 for `/roi` (*measured* pitfall), so `/roi` → `/roi.html` and
//    `/` or `/x/` → `index.html`.
//
// The stack puts the store's id in place of the placeholder below (cdk/lib/reports.ts). cdk/test/viewer-request.test.ts runs
// this file in Node with an in-memory store.
import cf from 'cloudfront';
import crypto from 'crypto';

const kvs = cf.kvs('__KVS_ID__');

const DENIED = {
  statusCode: 401,
  statusDescription: 'Unauthorized',
  headers: {
    'www-authenticate': { value: 'Basic realm="crmlake reports", charset="UTF-8"' },
    'cache-control': { value: 'no-store' },
  },
};

function sha256(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

// Compares two hex strings in time independent of where they differ.
function sameHex(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function authorized(header) {
  if (!header || header.value.slice(0, 6) !== 'Basic ') return false;
  let decoded;
  try {
    decoded = Buffer.from(header.value.slice(6).trim(), 'base64').toString('utf8');
  } catch (e) {
    return false;
  }
  const colon = decoded.indexOf(':');
  if (colon < 1) return false;
  const user = decoded.slice(0, colon);
  // Keys are at most 512 bytes; a longer name is no user.
  if (user.length > 200) return false;
  let expected;
  try {
    expected = await kvs.get('user:' + user);
  } catch (e) {
    return false; // no such key
  }
  return sameHex(sha256(decoded), String(expected).trim().toLowerCase());
}

function cleanUri(uri) {
  if (uri.endsWith('/')) return uri + 'index.html';
  const last = uri.slice(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) return uri + '.html';
  return uri;
}

async function handler(event) {
  const request = event.request;
  if (!(await authorized(request.headers.authorization))) return DENIED;
  request.uri = cleanUri(request.uri);
  return request;
}
