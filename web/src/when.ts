import { el } from './dom.js';

const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A stored ISO time as people read it, in their own time zone; the exact instant stays in the element. */
export function when(iso: string | null): HTMLElement | string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return el('time', { datetime: iso, title: iso }, FORMAT.format(date));
}

/** The same reading as plain text, for sentences. */
export function whenText(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : FORMAT.format(date);
}

export const sourceHref = (name: string): string => `/sources.html?name=${encodeURIComponent(name)}`;
export const runHref = (id: number): string => `/sources.html?run=${id}`;
