import type { Project } from './projects.js';

/**
 * An item's fields as annotators and crowd workers may see them: without the project's hidden
 * fields, so a dataset's given label (the answer) never biases the people asked for it.
 */
export function annotatorFields(project: Project, fields: Record<string, unknown>): Record<string, unknown> {
  if (project.hiddenFields.length === 0) return fields;
  const hidden = new Set(project.hiddenFields);
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !hidden.has(name)));
}

/** The item with its hidden fields left out. */
export function annotatorItem<T extends { fields: Record<string, unknown> }>(project: Project, item: T): T {
  return { ...item, fields: annotatorFields(project, item.fields) };
}
