import { createHash } from 'node:crypto';

const STYLE_ELEMENT = /<style>([\s\S]*?)<\/style>/g;
const STYLE_ATTRIBUTE = /\sstyle="([^"]*)"/g;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The policy a model report is served with: exactly the styles the report itself carries (its
 * style element and the style attributes of its cells, allowed by hash) and nothing else — no
 * script, nothing fetched. Hashing the stored file rather than trusting a keyword keeps reports
 * written by older versions styled and lets no other style in.
 */
export function reportContentSecurityPolicy(html: string): string {
  const elements = [...html.matchAll(STYLE_ELEMENT)].map((m) => sha256Source(m[1]));
  const attributes = new Set([...html.matchAll(STYLE_ATTRIBUTE)].map((m) => sha256Source(m[1].replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]))));
  const styles = [...new Set(elements), ...(attributes.size > 0 ? ["'unsafe-hashes'", ...attributes] : [])];
  return [
    "default-src 'none'",
    "script-src 'none'",
    `style-src ${styles.length > 0 ? styles.join(' ') : "'none'"}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
