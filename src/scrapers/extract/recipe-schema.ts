import { z } from 'zod';

// The recipe's shape alone (no HTML parser), so a crawl config validates without loading cheerio.
const fieldSpecSchema = z.union([
  z.string().min(1),
  z
    .object({
      selector: z.string().min(1),
      /** Read this attribute instead of the text; href and src are made absolute. */
      attribute: z.string().min(1).optional(),
      /** Every match as an array, instead of the first match. */
      all: z.boolean().optional(),
    })
    .strict(),
]);

const ruleSchema = z
  .object({
    /** URL globs the rule applies to (see src/scrapers/url-scope.ts); every page when absent. */
    urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    fields: z.record(z.string().min(1), fieldSpecSchema).optional(),
    /** A selector whose text replaces the default main text. */
    text: z.string().min(1).optional(),
  })
  .strict();

/**
 * A declarative extraction recipe: per-URL-pattern CSS selectors → fields. Every rule whose
 * URL patterns match a page adds its fields (later rules win on the same name).
 *
 *   { "rules": [ { "urls": "/products/**", "text": ".description",
 *                  "fields": { "price": ".price", "images": { "selector": "img", "attribute": "src", "all": true } } } ] }
 */
export const recipeSchema = z.object({ rules: z.array(ruleSchema).min(1) }).strict();
export type Recipe = z.infer<typeof recipeSchema>;
export type FieldSpec = z.infer<typeof fieldSpecSchema>;
