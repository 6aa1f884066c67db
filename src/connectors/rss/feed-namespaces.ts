/**
 * Element and attribute names of a parsed feed, rewritten from the prefixes a feed chose to the
 * ones Trove reads: RSS (0.9x, 1.0, 2.0 and Userland's namespaces) unprefixed, Atom 0.3 and 1.0
 * `atom:`, RDF `rdf:`, Dublin Core `dc:`, content `content:`. So `<r:rss xmlns:r="…">`, an RSS 1.0
 * feed with `rss:item` and an Atom feed under a default namespace read alike.
 */
const CANONICAL: Record<string, string> = {
  'http://purl.org/rss/1.0/': '',
  'http://my.netscape.com/rdf/simple/0.9/': '',
  'http://backend.userland.com/rss2': '',
  'http://backend.userland.com/rss': '',
  'http://blogs.law.harvard.edu/tech/rss': '',
  'http://www.w3.org/2005/Atom': 'atom',
  'http://purl.org/atom/ns#': 'atom',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://www.w3.org/XML/1998/namespace': 'xml',
};

type Scope = Map<string, string>;

function scopeOf(node: Record<string, unknown>, parent: Scope): Scope {
  let scope = parent;
  for (const key of Object.keys(node)) {
    if (key !== '@_xmlns' && !key.startsWith('@_xmlns:')) continue;
    if (scope === parent) scope = new Map(parent);
    scope.set(key === '@_xmlns' ? '' : key.slice('@_xmlns:'.length), String(node[key]));
  }
  return scope;
}

function renamed(name: string, scope: Scope, isAttribute: boolean): string {
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const local = colon < 0 ? name : name.slice(colon + 1);
  // Unprefixed attributes belong to no namespace, whatever the default namespace is.
  if (prefix === '' && isAttribute) return name;
  if (prefix === 'xml') return name;
  const uri = scope.get(prefix);
  if (uri === undefined) return name;
  const canonical = CANONICAL[uri];
  if (canonical === undefined) return name;
  return canonical === '' ? local : `${canonical}:${local}`;
}

/** An element's own xmlns declarations apply to its name (`<r:rss xmlns:r="…">`). */
function canonicalKey(key: string, child: unknown, scope: Scope): string {
  if (key === '#text' || key.startsWith('@_xmlns')) return key;
  if (key.startsWith('@_')) return `@_${renamed(key.slice(2), scope, true)}`;
  const first = Array.isArray(child) ? (child as unknown[])[0] : child;
  const own = first !== null && typeof first === 'object' ? scopeOf(first as Record<string, unknown>, scope) : scope;
  return renamed(key, own, false);
}

function normalised(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) return value.map((v) => normalised(v, scope));
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  const inner = scopeOf(node, scope);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) {
    const name = canonicalKey(key, child, inner);
    const next = normalised(child, inner);
    out[name] = name in out ? [out[name], next].flat() : next;
  }
  return out;
}

/** The parsed document with every element and attribute under its canonical name. */
export function withCanonicalNames(doc: Record<string, unknown>): Record<string, unknown> {
  return normalised(doc, new Map()) as Record<string, unknown>;
}
