import { createPageAnalyzer } from '../../src/scrapers/extract/page-analyzer.js';
import { compileRecipe } from '../../src/scrapers/extract/recipe.js';

const page = `<!DOCTYPE html><html lang="en"><head><title>Prices</title></head><body>
<nav><a href="/home">Home</a></nav><article><h1>Lamp</h1><p>A lamp for reading at night.</p>
<span class="price">12.50</span><a href="/lamp/2#specs">next</a> <a href="https://other.example/x">elsewhere</a></article></body></html>`;
const recipeInput = { rules: [{ fields: { price: '.price' } }] };

describe('page analyzers', () => {
  test('on analyzer threads, a page gives exactly what it gives on the crawl thread', async () => {
    const inline = createPageAnalyzer(recipeInput, compileRecipe(recipeInput), 0);
    const threaded = createPageAnalyzer(recipeInput, undefined, 2);
    try {
      const pages = Array.from({ length: 6 }, (_, i) => `https://shop.example/lamp/${i}`);
      const [expected, got] = await Promise.all([Promise.all(pages.map((u) => inline.analyze(page, u))), Promise.all(pages.map((u) => threaded.analyze(page, u)))]);
      expect(got).toEqual(expected);
      expect(got[0].extract.fields.price).toBe('12.50');
      expect(got[0].links).toEqual(['https://shop.example/home', 'https://shop.example/lamp/2', 'https://other.example/x']);
    } finally {
      await Promise.all([inline.close(), threaded.close()]);
    }
  });

  test('a closed analyzer refuses new pages in words', async () => {
    const threaded = createPageAnalyzer(undefined, undefined, 1);
    await threaded.close();
    await expect(threaded.analyze(page, 'https://shop.example/')).rejects.toThrow('page analyzer closed');
  });
});
