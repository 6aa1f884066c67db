import type { PageHtml } from '../charset.js';
import type { PageExtract } from './page-extractor.js';

/** A page for the analyzer thread: its HTML and the URL its links are resolved against. */
export interface AnalyzeRequest {
  id: number;
  html: PageHtml;
  url: string;
}

export interface PageAnalysis {
  extract: PageExtract;
  links: string[];
}

export type AnalyzeResponse = { id: number; ok: true; analysis: PageAnalysis } | { id: number; ok: false; error: string };
