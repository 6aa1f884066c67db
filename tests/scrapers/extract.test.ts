import { InputError } from '../../src/core/errors.js';
import { extractPage } from '../../src/scrapers/extract/page-extractor.js';
import { compileRecipe } from '../../src/scrapers/extract/recipe.js';
import { backoffDelay, parseRetryAfter } from '../../src/scrapers/retry-policy.js';
import { normalizeUrl } from '../../src/scrapers/url-normalize.js';
import { UrlScope } from '../../src/scrapers/url-scope.js';

const article = `<!DOCTYPE html><html lang="de-DE"><head><title> Der  Titel </title>
<meta name="description" content="Kurz gesagt"><link rel="canonical" href="/artikel/1#top"></head>
<body><header class="site-header"><a href="/">Logo</a></header>
<nav><a href="/a">A</a> <a href="/b">B</a></nav>
<div class="layout"><article><h1>Überschrift</h1><p>Erster   Absatz
 mit Umbruch.</p><div class="share"><a href="/s">Teilen</a></div><p>Zweiter&nbsp;Absatz.</p>
<ul class="tags"><li><a href="/t1">tag one</a></li><li><a href="/t2">tag two</a></li></ul></article>
<aside>Werbung</aside></div><footer>Impressum</footer><script>var x = 1;</script></body></html>`;

describe('extractPage (the default recipe)', () => {
  test('reads title, description, canonical URL and language', () => {
    const page = extractPage(article, 'https://news.example/artikel/1?x=1');
    expect(page).toMatchObject({ title: 'Der Titel', description: 'Kurz gesagt', canonical: 'https://news.example/artikel/1', language: 'de-de' });
  });

  test('keeps the main text and drops the headline, navigation, asides, footers, scripts and link lists', () => {
    expect(extractPage(article, 'https://news.example/').text).toBe('Erster Absatz mit Umbruch.\nZweiter Absatz.');
  });

  test('takes the story from a page that also lists teasers of other stories', () => {
    const teaser = (n: number) => `<div class="teaser"><a href="/s${n}">The headline of story ${n}</a> A short summary of it.</div>`;
    const paragraph = (n: number) => `<p>Paragraph ${n} of the story, long enough to read as prose, with commas, clauses, and detail.</p>`;
    const html = `<body><div class="rail">${[1, 2, 3, 4, 5, 6].map(teaser).join('')}</div>
      <div class="story-body">${[1, 2, 3, 4].map(paragraph).join('')}</div></body>`;
    const text = extractPage(html, 'https://news.example/').text;
    expect(text.split('\n')).toHaveLength(4);
    expect(text).not.toContain('headline');
  });

  test('drops figures, captions and bylines inside the article', () => {
    const html = `<article><div class="byline">By A. Writer</div><figure><img src="x.jpg"><figcaption>A photo, with credit.</figcaption></figure>
      <p>Body text of the article, which is what a reader came for, and nothing else.</p><span class="photo-credit">Photo: Agency</span></article>`;
    expect(extractPage(html, 'https://news.example/').text).toBe('Body text of the article, which is what a reader came for, and nothing else.');
  });

  test('looks past a landmark that holds almost none of the page\'s text', () => {
    const html = `<body><article><p>Share this</p></article><div class="content"><p>${'The real story is told here, at length, with commas. '.repeat(6)}</p></div></body>`;
    expect(extractPage(html, 'https://news.example/').text).toContain('The real story is told here');
  });

  test('a fragment without <html> or <body> still leaves out its <title> and scripts', () => {
    expect(extractPage('<title>Zipped</title><script>x()</script><p>Body of a bare fragment.</p>', 'https://news.example/').text).toBe('Body of a bare fragment.');
  });

  test('a wrapper whose class mentions a sidebar is not itself boilerplate', () => {
    const html = `<body class="one-sidebar"><div class="content-with-sidebar-wrp"><p>${'Prose that belongs to the article, with a clause or two. '.repeat(4)}</p></div><div class="sidebar">Ads</div></body>`;
    const text = extractPage(html, 'https://news.example/').text;
    expect(text).toContain('Prose that belongs to the article');
    expect(text).not.toContain('Ads');
  });

  test('applies recipe fields as text or attribute, one or many', () => {
    const recipe = compileRecipe({ rules: [{ urls: '/artikel/**', fields: { heading: 'h1', tags: { selector: '.tags a', all: true }, tagLinks: { selector: '.tags a', attribute: 'href', all: true }, missing: '.nope' } }] });
    expect(extractPage(article, 'https://news.example/artikel/1', recipe).fields).toMatchObject({
      heading: 'Überschrift',
      tags: ['tag one', 'tag two'],
      tagLinks: ['https://news.example/t1', 'https://news.example/t2'],
      missing: null,
    });
    expect(extractPage(article, 'https://news.example/other', recipe).fields.heading).toBeUndefined();
  });

  test('reads attributes and positions as cheerio does: boolean attributes, option values, checkboxes, :first', () => {
    const form = '<body><select><option>Small</option><option selected value="l">Large</option></select><input type="checkbox" checked><ul><li>one</li><li>two</li></ul></body>';
    const recipe = compileRecipe({
      rules: [{ fields: { chosen: { selector: 'option', attribute: 'selected' }, sizes: { selector: 'option', attribute: 'value', all: true }, box: { selector: 'input', attribute: 'value' }, first: 'li:first', last: 'li:last' } }],
    });
    expect(extractPage(form, 'https://shop.example/', recipe).fields).toMatchObject({ chosen: null, sizes: ['Small', 'l'], box: 'on', first: 'one', last: 'two' });
    const selected = compileRecipe({ rules: [{ fields: { chosen: { selector: 'option[selected]', attribute: 'selected' } } }] });
    expect(extractPage(form, 'https://shop.example/', selected).fields.chosen).toBe('selected');
  });

  test('rejects a recipe with a bad selector, naming the field', () => {
    expect(() => compileRecipe({ rules: [{ fields: { price: '.price[' } }] }, 'shop.json')).toThrow(InputError);
    expect(() => compileRecipe({ rules: [{ fields: { price: '.price[' } }] }, 'shop.json')).toThrow(/shop.json: rules.0.fields.price.selector: invalid CSS selector/);
    expect(() => compileRecipe({ rules: [{ feilds: {} }] }, 'shop.json')).toThrow(/shop.json: rules.0/);
  });
});

describe('URLs', () => {
  test('normalisation drops the fragment and the default port and lower-cases the host', () => {
    expect(normalizeUrl('HTTP://Example.COM:80/a/../b?q=1#frag')).toBe('http://example.com/b?q=1');
    expect(normalizeUrl('https://example.com:443')).toBe('https://example.com/');
    expect(normalizeUrl('mailto:a@b.c')).toBeNull();
    expect(normalizeUrl('javascript:void(0)')).toBeNull();
  });

  test('scope: same host by default, include and exclude globs on the path or the whole URL', () => {
    const scope = new UrlScope({ startUrls: ['https://a.test/'], include: ['/blog/**', 'https://a.test/about'], exclude: ['/blog/*/draft'] });
    expect(scope.allows('https://a.test/blog/2024/post')).toBe(true);
    expect(scope.allows('https://a.test/about')).toBe(true);
    expect(scope.allows('https://a.test/blog/x/draft')).toBe(false);
    expect(scope.allows('https://a.test/shop')).toBe(false);
    expect(scope.allows('https://b.test/blog/x')).toBe(false);
  });
});

describe('retry timing', () => {
  const policy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 60_000 };
  test('backoff doubles per attempt with jitter, capped', () => {
    expect(backoffDelay(policy, 0, null, () => 0)).toBe(500);
    expect(backoffDelay(policy, 3, null, () => 1)).toBe(8000);
    expect(backoffDelay(policy, 20, null, () => 1)).toBe(60_000);
  });

  test('Retry-After wins over backoff, in seconds or as an HTTP date', () => {
    expect(backoffDelay(policy, 0, parseRetryAfter('7'))).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
