import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRobotsTxt } from '../../src/scrapers/robots-txt.js';
import { newTally, reportTally } from './conformance-tally.js';

const corpus = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/conformance/robots');

interface RobotsCase {
  test: string;
  robotstxt: string;
  ua: string;
  url: string;
  allowed: boolean;
}

test('every case of google/robotstxt\'s test suite reads as Google\'s parser reads it', () => {
  const cases = JSON.parse(fs.readFileSync(path.join(corpus, 'cases.json'), 'utf8')) as RobotsCase[];
  const tally = newTally();
  for (const c of cases) {
    const allowed = parseRobotsTxt(c.robotstxt).allows(c.url, c.ua);
    (allowed === c.allowed ? tally.equal : tally.wrong).push(`${c.test}: ${c.ua} ${c.url} → ${allowed}`);
  }
  reportTally('robots.txt', tally);
  expect(tally.wrong).toEqual([]);
});

test('a percent-encoded tilde in a rule blocks the plain one, as RFC 9309 reads them', () => {
  const robots = parseRobotsTxt('User-agent: *\nDisallow: /%7Ejoe/\n');
  expect(robots.allows('https://example.org/~joe/index.html', 'TroveBot')).toBe(false);
  expect(robots.allows('https://example.org/%7ejoe/index.html', 'TroveBot')).toBe(false);
  expect(robots.allows('https://example.org/joe/', 'TroveBot')).toBe(true);
});

test('a group\'s crawl-delay and the file\'s sitemaps are read', () => {
  const robots = parseRobotsTxt('Sitemap: https://example.org/s.xml\nUser-agent: TroveBot\nCrawl-delay: 2\nDisallow: /x\n');
  expect(robots.crawlDelaySeconds('trovebot')).toBe(2);
  expect(robots.crawlDelaySeconds('OtherBot')).toBeUndefined();
  expect(robots.sitemaps).toEqual(['https://example.org/s.xml']);
});
