import fs from 'node:fs';
import path from 'node:path';
import { parseCrowdFile, type ParseOptions } from '../../src/labeling/crowd-formats/index.js';
import { parseLabelSchema } from '../../src/labeling/label-schema.js';
import { codePointToUtf16, utf16ToCodePoint } from '../../src/labeling/text-offsets.js';

/** The readers alone: file text in, tasks and answers out, no store. */
const FIXTURES = path.resolve('tests/fixtures/conformance');
const fixture = (corpus: string, file: string) => fs.readFileSync(path.join(FIXTURES, corpus, file), 'utf8');
const schema = (kind: string, labels: string[]) => parseLabelSchema({ kind, labels: labels.map((value) => ({ value })) }, 'schema');
const opts = (kind: string, labels: string[], more: Partial<ParseOptions> = {}): ParseOptions => ({ file: 'f', schema: schema(kind, labels), ...more });

function mturk(header: string[], rows: string[][]): string {
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  return [['HITId', 'AssignmentId', 'WorkerId', 'AssignmentStatus', ...header], ...rows.map((r) => ['H', `A${r[0]}`, 'W1', 'Approved', ...r.slice(1)])].map((r) => r.map(q).join(',')).join('\n');
}

describe('text offsets', () => {
  test('code points and UTF-16 units convert both ways around emoji and joiners', () => {
    const text = '👨🏻‍🚒 firemen';
    expect(codePointToUtf16(text, 4)).toBe(7);
    expect(utf16ToCodePoint(text, 7)).toBe(4);
    expect(codePointToUtf16(text, 99)).toBeUndefined();
  });
});

describe('Label Studio reader', () => {
  test('span offsets in code points become UTF-16 units that cover value.text', () => {
    const parsed = parseCrowdFile('labelstudio', fixture('labelstudio', 'ner-ls-export-codepoints.json'), opts('spans', ['Annotation', 'Vehicle', 'City'], { file: 'ner.json' }));
    const [first] = parsed.tasks;
    const span = (first.answers[0].result as { spans: Array<{ start: number; end: number }> }).spans[0];

    expect(first.match).toEqual({ by: 'task', id: 21, expectText: ['💩This is an annotation.'] });
    expect('💩This is an annotation.'.slice(span.start, span.end)).toBe('annotation');
  });

  test('offsets a file counted in UTF-16 units are kept when value.text says so', () => {
    const text = '💩 Paris';
    const file = JSON.stringify([{ data: { text }, annotations: [{ completed_by: 1, result: [{ from_name: 'l', to_name: 'text', type: 'labels', value: { start: 3, end: 8, text: 'Paris', labels: ['City'] } }] }] }]);
    expect(parseCrowdFile('labelstudio', file, opts('spans', ['City'])).tasks[0].answers[0].result).toEqual({ spans: [{ start: 3, end: 8, label: 'City' }] });
  });

  test('a span whose value.text is at neither reading of its offsets is refused with its place', () => {
    const file = JSON.stringify([{ data: { text: 'abc def' }, annotations: [{ result: [{ from_name: 'l', to_name: 'text', type: 'labels', value: { start: 0, end: 3, text: 'def', labels: ['City'] } }] }] }]);
    expect(() => parseCrowdFile('labelstudio', file, opts('spans', ['City'], { file: 'x.json' }))).toThrow(/^x\.json task #1 annotation #1: span 0-3 "def" is not at those offsets/);
  });

  test('a task without "data" is its own data, and is matched by its text', () => {
    const parsed = parseCrowdFile('labelstudio', JSON.stringify([{ text: 'zzz' }]), opts('single', ['a']));
    expect(parsed.tasks[0]).toMatchObject({ match: { by: 'text', values: ['zzz'] }, answers: [] });
  });

  test('several choices controls need --answer-field, which picks one', () => {
    const region = (from: string, choice: string) => ({ from_name: from, to_name: 'text', type: 'choices', value: { choices: [choice] } });
    const file = JSON.stringify([{ data: { text: 't' }, annotations: [{ completed_by: { email: 'a@x.io' }, result: [region('tone', 'pos'), region('topic', 'sport')] }] }]);

    expect(() => parseCrowdFile('labelstudio', file, opts('single', ['pos', 'sport']))).toThrow(/several choices controls .*"tone".*"topic".*--answer-field/);
    expect(parseCrowdFile('labelstudio', file, opts('single', ['pos', 'sport'], { answerField: 'topic' })).tasks[0].answers[0]).toMatchObject({ workerId: 'a@x.io', result: { label: 'sport' } });
  });

  test('regions Trove named on export mark the answer as Trove\'s own annotation', () => {
    const file = JSON.stringify([{ data: { text: 't' }, annotations: [{ completed_by: 1, result: [{ id: 'trove-42-0', from_name: 'label', to_name: 'text', type: 'choices', value: { choices: ['a'] } }] }] }]);
    expect(parseCrowdFile('labelstudio', file, opts('single', ['a'])).tasks[0].answers[0].troveAnnotationId).toBe(42);
  });

  test('--match-field names the data field and, after a colon, the item side it is compared with', () => {
    const file = JSON.stringify([{ data: { int_field: 20, image: 'https://x/1.jpg' } }]);
    expect(parseCrowdFile('labelstudio', file, opts('single', ['a'], { matchField: 'int_field' })).tasks[0].match).toEqual({ by: 'field', field: 'int_field', values: [20] });
    expect(parseCrowdFile('labelstudio', file, opts('single', ['a'], { matchField: 'image' })).tasks[0].match).toEqual({ by: 'url', values: ['https://x/1.jpg'] });
    expect(parseCrowdFile('labelstudio', file, opts('single', ['a'], { matchField: 'int_field:key' })).tasks[0].match).toEqual({ by: 'key', values: ['20'] });
  });
});

describe('Mechanical Turk reader', () => {
  test('Answer.taskAnswers is read from the form\'s one answer widget, whatever its name', () => {
    const parsed = parseCrowdFile('mturk', fixture('mturk', 'batch-results-aws-sentiment-template.csv'), opts('single', ['Positive', 'Negative', 'Neutral']));
    expect(parsed.tasks.map((t) => t.answers[0].result)).toEqual([{ label: 'Positive' }, { label: 'Negative' }, { label: 'Negative' }, { label: 'Neutral' }, { label: 'Neutral' }]);
    expect(parsed.skippedRejected).toBe(1);
  });

  test('one column per widget part (Answer.sentiment.label) reads the same answers', () => {
    const parsed = parseCrowdFile('mturk', fixture('mturk', 'batch-results-legacy-answer-columns.csv'), opts('single', ['Positive', 'Negative', 'Neutral']));
    expect(parsed.tasks[0].answers[0]).toMatchObject({ platform: 'mturk', workerId: 'A1B2C3D4E5F6G7', answerId: '3ASG1', result: { label: 'Positive' }, workSeconds: 30 });
  });

  test('two answer widgets need --answer-field, which picks one', () => {
    const file = mturk(['Input.task_id', 'Answer.taskAnswers'], [['1', '1', JSON.stringify([{ tone: { label: 'pos' }, topic: { label: 'sport' }, task_id: '1' }])]]);
    expect(() => parseCrowdFile('mturk', file, opts('single', ['pos']))).toThrow(/line 2: Answer\.taskAnswers holds several answers \(tone, topic\): name the one to import with --answer-field/);
    expect(parseCrowdFile('mturk', file, opts('single', ['pos'], { answerField: 'tone' })).tasks[0].answers[0].result).toEqual({ label: 'pos' });
  });

  test('the batch\'s escaped text is checked against the item in both spellings', () => {
    const parsed = parseCrowdFile('mturk', fixture('mturk', 'batch-results-trove-template.csv'), opts('single', ['Positive', 'Negative', 'Neutral']));
    expect(parsed.tasks[2].match).toEqual({ by: 'task', id: 2, expectText: ['Terrible service &amp; cold food', 'Terrible service & cold food'] });
  });
});

describe('Ground Truth reader', () => {
  test('a multi-label manifest names its classes through class-map, not by position in the schema', () => {
    const parsed = parseCrowdFile('groundtruth', fixture('groundtruth', 'aws-doc-text-multilabel.manifest'), opts('multi', ['sad', 'approving', 'critical']));
    expect(parsed.tasks[0]).toMatchObject({ match: { by: 'url', values: ['AWSDOC-EXAMPLE-BUCKET/text_file.txt'] }, answers: [{ result: { labels: ['approving', 'sad', 'critical'] } }] });
  });

  test('a class index missing from class-map is refused with its line', () => {
    const line = JSON.stringify({ source: 't', tone: [7], 'tone-metadata': { 'class-map': { '1': 'a' }, type: 'groundtruth/text-classification-multilabel' } });
    expect(() => parseCrowdFile('groundtruth', line, opts('multi', ['a'], { file: 'm.manifest' }))).toThrow(/^m\.manifest line 1: class 7 has no name in the metadata's "class-map"/);
  });

  test('a published manifest is matched by its source text', () => {
    const parsed = parseCrowdFile('groundtruth', fixture('groundtruth', 'aws-doc-text-classification.manifest'), opts('single', ['positive']));
    expect(parsed.tasks[0]).toMatchObject({ match: { by: 'text', values: ['The food was delicious'] }, answers: [{ workerId: 'label-sentiment', result: { label: 'positive' } }] });
  });
});
