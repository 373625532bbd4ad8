// Reading a package index: the simple API (PEP 691 JSON, PEP 503 HTML), PyPI's JSON API, the
// BLAKE2b digest in files.pythonhosted.org URLs, a bounded polite HTTP client, and change detection.

export {
  parseSimpleProject,
  parseSimpleIndex,
  simpleFormat,
  DEFAULT_SIMPLE_LIMITS,
  type SimpleFile,
  type SimpleProject,
  type SimpleIndex,
  type SimpleMeta,
  type ListedProject,
  type SimpleLimits,
} from './simple.ts';
export { parseJsonApi, DEFAULT_JSONAPI_LIMITS, type JsonApiFile, type JsonApiProject, type JsonApiLimits } from './jsonapi.ts';
export { blake2bFromUrl, checkUrlDigest, digestUrl, PYTHONHOSTED, type DigestUrlLayout, type UrlDigestCheck } from './pythonhosted.ts';
export {
  createIndexClient,
  userAgent,
  SIMPLE_ACCEPT,
  DEFAULT_CLIENT_LIMITS,
  DEFAULT_CONTACT_URL,
  type IndexClient,
  type IndexClientOptions,
  type ClientLimits,
  type Validators,
  type Fetched,
  type NotModified,
  type Conditional,
  type Downloaded,
} from './client.ts';
export { nodeHttpFetch, type HttpFetch, type HttpRequest, type HttpResponse, type TlsOptions } from './http.ts';
export { createSemaphore, type Semaphore } from './semaphore.ts';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './retry.ts';
export { resolveIndexUrl, type IndexUrls } from './url.ts';
export { diffSerials, hasSerials, planPolls, type SerialEntry, type SerialDiff, type PollPlanOptions } from './changes.ts';
export { filenameProblem, projectNameProblem, checkDigest } from './names.ts';
export { IndexHttpError, IndexNetworkError, IndexFormatError, IndexTooLargeError, IndexRedirectError } from './errors.ts';
