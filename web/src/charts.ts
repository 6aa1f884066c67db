import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip, type ChartConfiguration } from 'chart.js';
import { el, table } from './dom.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, sans-serif';
Chart.defaults.color = '#6b7385';
Chart.defaults.animation = false;

export const SERIES_COLORS = ['#2f5fd0', '#d0542f', '#1e8e4e', '#8e44ad', '#c28f00', '#16a0a8', '#b03060', '#5d6d7e'];

/**
 * A titled chart panel. The numbers behind every chart are also in a table under it, for screen
 * readers, copying, and anyone who prefers digits to bars.
 */
export function chartPanel(title: string, config: ChartConfiguration, headers: string[], rows: (string | number)[][], note?: string): HTMLElement {
  const canvas = el('canvas', { role: 'img', 'aria-label': title });
  const panel = el('section', { class: 'chart', 'data-chart': title },
    el('h3', {}, title),
    el('div', { class: 'canvas-box' }, canvas),
    note ? el('p', { class: 'muted stat-note' }, note) : null,
    el('details', {}, el('summary', {}, 'Numbers'), table(headers, rows)));
  requestAnimationFrame(() => new Chart(canvas, { ...config, options: { maintainAspectRatio: false, responsive: true, ...config.options } }));
  return panel;
}

export function emptyPanel(title: string, message: string): HTMLElement {
  return el('section', { class: 'chart', 'data-chart': title }, el('h3', {}, title), el('p', { class: 'muted' }, message));
}

/** Formats a statistic that may be undefined (too few overlapping annotations to compute it). */
export function stat(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}
