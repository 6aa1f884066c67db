import type { Project } from './projects.js';

function attr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The HTML form for a crowd batch, in the crowd-html-elements style that Mechanical Turk and
 * compatible platforms render: `${column}` placeholders refer to the crowd-csv columns. Answers
 * come back as `Answer.taskAnswers` ([{label: {label}}], [{label: {labels}}] or
 * [{label: {entities}}]), which `trove crowd import --format mturk` reads.
 */
export function crowdTemplate(project: Project): string {
  const labels = project.schema.labels.map((l) => l.value);
  const categories = `[${labels.map((l) => `'${attr(l).replace(/'/g, "\\'")}'`).join(', ')}]`;
  const instructions = project.instructions ? `\n    <full-instructions header="Instructions"><pre>${attr(project.instructions)}</pre></full-instructions>` : '';
  let element: string;
  if (project.schema.kind === 'single') {
    element = `<crowd-classifier name="label" categories="${categories}" header="Choose the label that fits">
    <classification-target>\${text}</classification-target>${instructions}
  </crowd-classifier>`;
  } else if (project.schema.kind === 'multi') {
    element = `<crowd-classifier-multi-select name="label" categories="${categories}" header="Choose every label that fits">
    <classification-target>\${text}</classification-target>${instructions}
  </crowd-classifier-multi-select>`;
  } else {
    const entityLabels = JSON.stringify(labels.map((l) => ({ label: l }))).replace(/'/g, '&#39;');
    element = `<crowd-entity-annotation name="label" header="Mark every entity" labels='${entityLabels}' text="\${text}">${instructions}
  </crowd-entity-annotation>`;
  }
  return `<!-- Trove crowd batch for project ${attr(project.name)}: fill \${task_id} and \${text} from the crowd-csv export. -->
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <input type="hidden" name="task_id" value="\${task_id}">
  ${element}
</crowd-form>
`;
}
