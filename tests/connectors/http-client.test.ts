import { describeUrl, requestedWaitMs } from '../../src/connectors/http/http-client.js';
import { nextLink } from '../../src/connectors/rest/link-header.js';

describe('rate-limit headers', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  test('Retry-After in seconds or as an HTTP date', () => {
    expect(requestedWaitMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(requestedWaitMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now)).toBe(10_000);
  });

  test('X-RateLimit-Reset as seconds from now (Reddit) or as a Unix time (GitHub)', () => {
    expect(requestedWaitMs(new Headers({ 'x-ratelimit-reset': '42' }), now)).toBe(42_000);
    expect(requestedWaitMs(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 5) }), now)).toBe(5000);
  });

  test('no header, no requested wait', () => {
    expect(requestedWaitMs(new Headers(), now)).toBeUndefined();
  });
});

describe('Link header (RFC 8288)', () => {
  test('finds rel="next" among several links and resolves it against the request URL', () => {
    const header = '<https://api.example.com/items?page=1>; rel="first", </items?page=3>; rel="next last"; title="x"';
    expect(nextLink(header, 'https://api.example.com/items?page=2')).toBe('https://api.example.com/items?page=3');
  });

  test('no next link on the last page', () => {
    expect(nextLink('<https://a.example/x?page=1>; rel=first', 'https://a.example/x')).toBeUndefined();
    expect(nextLink(null, 'https://a.example/x')).toBeUndefined();
  });
});

test('URLs in messages lose their query string and credentials', () => {
  expect(describeUrl('https://user:pw@api.example.com/v1/items?api_key=secret')).toBe('https://api.example.com/v1/items');
});
