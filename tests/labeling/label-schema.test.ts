import { parseLabelSchema } from '../../src/labeling/label-schema.js';

describe('label schema colours', () => {
  it('gives auto colours that no label was given in the schema', () => {
    const schema = parseLabelSchema(
      {
        kind: 'single',
        labels: [{ value: 'positive', color: '#4E79A7' }, { value: 'negative', color: '#e15759' }, { value: 'neutral' }, { value: 'unsure' }, { value: 'spam' }],
      },
      'schema.json',
    );
    const colors = schema.labels.map((l) => l.color?.toLowerCase());
    expect(new Set(colors).size).toBe(colors.length);
    expect(schema.labels[0].color).toBe('#4E79A7');
    expect(schema.labels[1].color).toBe('#e15759');
  });

  it('repeats colours only once the palette is used up', () => {
    const labels = Array.from({ length: 12 }, (_, i) => ({ value: `l${i}` }));
    const colors = parseLabelSchema({ kind: 'multi', labels }, 'schema.json').labels.map((l) => l.color);
    expect(new Set(colors.slice(0, 10)).size).toBe(10);
    expect(colors[10]).toBe(colors[0]);
  });
});
