import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Fn } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Storage } from './storage.js';

const FUNCTION_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'functions', 'viewer-request.js');

/** The viewer-request function's code with the store id filled in. */
export function viewerRequestCode(keyValueStoreId: string): string {
  return readFileSync(FUNCTION_FILE, 'utf8').replaceAll('__KVS_ID__', keyValueStoreId);
}

/**
 * Content-Security-Policy of the report pages. Observable Framework pages start with inline
 * module scripts and style attributes, hence 'unsafe-inline' for those two; everything else is
 * the site's own origin, and nothing loads from elsewhere (the site is built to work offline).
 */
export const REPORTS_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'; object-src 'none'";

/**
 * The report site: the private reports bucket's `site/` prefix behind CloudFront with origin
 * access control (the bucket never answers anyone but this distribution), HTTPS only, security
 * headers, and a viewer-request function that asks for a login (HTTP Basic against users in a
 * KeyValueStore, see functions/viewer-request.js) and rewrites clean URLs to the .html files.
 *
 * Why Basic authentication from a KeyValueStore rather than Cognito at the edge: no Lambda@Edge
 * (which must live in us-east-1 and costs per request), no hosted UI to configure, readers are a
 * handful of executives managed by ops with one CLI call, and the whole check runs in the
 * CloudFront Function for $0.10 per million requests. Over HTTPS only, Basic credentials are not
 * exposed in transit. When the company has an identity provider, put Cognito (or the IdP via
 * OIDC) in front instead; the site itself needs no change.
 */
export class ReportsSite extends Construct {
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.Distribution;
  readonly users: cloudfront.KeyValueStore;
  readonly viewerRequest: cloudfront.Function;
  readonly sitePrefix = 'site';
  readonly stagingPrefix = 'staging';

  constructor(scope: Construct, id: string, props: { storage: Storage }) {
    super(scope, id);
    this.bucket = props.storage.reports;
    this.users = new cloudfront.KeyValueStore(this, 'Users', { comment: 'crmlake report readers: user:<name> → sha256(<name>:<password>)' });
    this.viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      comment: 'crmlake reports: Basic authentication and clean URLs',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      keyValueStore: this.users,
      code: cloudfront.FunctionCode.fromInline(viewerRequestCode(this.users.keyValueStoreId)),
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'crmlake reports: security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: REPORTS_CSP, override: true },
      },
      customHeadersBehavior: {
        // Reports carry customer KPIs: browsers and proxies must not keep them.
        customHeaders: [{ header: 'Cache-Control', value: 'private, no-store', override: true }],
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'crmlake reports',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.storage.accessLogs,
      logFilePrefix: 'cloudfront/reports/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, { originPath: `/${this.sitePrefix}` }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: this.viewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
    });
  }

  /**
   * Serves the collector API on this distribution's domain too (`https://<site>/events`), so the
   * web shop posts to the same HTTPS host over CloudFront's edge (TLS termination close to the
   * shop, AWS Shield Standard, a place for a WAF rule later). This behaviour has no login
   * function (the collector checks each batch's signature), caches nothing, and forwards the
   * signature and timestamp headers and the body unchanged.
   */
  addCollector(api: apigw.IHttpApi, path: string): void {
    const domain = Fn.select(2, Fn.split('/', api.apiEndpoint));
    this.distribution.addBehavior(path, new origins.HttpOrigin(domain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY, originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2] }), {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: false,
    });
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}/`;
  }
}
