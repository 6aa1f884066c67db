import { InputError } from '../../src/core/errors.js';
import { prepareItem } from '../../src/core/prepare-item.js';
import { CellItems } from '../../src/connectors/file/cell-items.js';
import { tabularRows } from '../../src/connectors/file/delimited-reader.js';
import { recordsOf, type RowMapping } from '../../src/connectors/file/file-rows.js';
import { cellJson, cellValue } from '../../src/connectors/file/tabular-value.js';

const AT = '2026-11-26T00:00:00.000Z';

/** The item the row-object path prepares for these cells: what a re-import's hashes are compared with. */
function viaRowObject(columns: string[], cells: string[], mapping: RowMapping) {
  const [record] = recordsOf(tabularRows({ columns, lines: [2], records: [cells] }), mapping, 'f.csv');
  return prepareItem(record, null, AT);
}

function viaCells(columns: string[], cells: string[], mapping: RowMapping) {
  const items = CellItems.of(columns, mapping, 'f.csv');
  if (!items) throw new Error('expected the cell path');
  return items.item(cells, 2, AT);
}

describe('preparing delimited records straight from their cells', () => {
  const cases: Array<[string, string[], string[], RowMapping]> = [
    ['key, text and typed fields', ['id', 'text', 'label', 'score', 'category'], ['7', 'hello "you"', 'pos', '0.5', 'cat1'], { key: 'id', text: 'text', restore: false }],
    ['numbers that would lose something stay text', ['id', 'a', 'b', 'c', 'd', 'e', 'f'], ['1', '007', '5.10', '-0', '1e5', '1e+21', '12345678901234567890'], { key: 'id', restore: false }],
    ['empty cells are null', ['id', 'text', 'x'], ['1', '', ''], { key: 'id', text: 'text', restore: false }],
    ['column names that are array indices come first, in numeric order', ['b', '10', '2', 'a', '0', '01'], ['1', '2', '3', '4', '5', '6'], { key: 'b', restore: false }],
    ['names and values that need escaping', ['id', 'quo"te', 'back\\slash', 'ünï', 'line\u2028sep'], ['1', 'tab\there', 'new\nline', 'ünïcödé 😀', '\u0001'], { key: 'id', restore: false }],
    ['no key column: the line is the key', ['a', 'text'], ['x', 'some text'], { text: 'text', restore: false }],
    ['the key column is also the text', ['id', 'other'], ['k1', 'v'], { key: 'id', text: 'id', restore: false }],
    ['text that needs normalising', ['id', 'text'], ['1', 'cafe\u0301\r\nbar'], { key: 'id', text: 'text', restore: false }],
    ['only the text column: empty fields', ['text'], ['just text'], { text: 'text', restore: false }],
  ];

  test.each(cases)('%s: the same item, fields byte for byte', (_name, columns, cells, mapping) => {
    const expected = viaRowObject(columns, cells, mapping);
    const actual = viaCells(columns, cells, mapping);

    expect(actual).toEqual(expected);
    expect(actual.fields).toBe(JSON.stringify(recordsOf(tabularRows({ columns, lines: [2], records: [cells] }), mapping, 'f.csv')[0].fields));
  });

  test('the stored fields text is pinned: re-imports of unchanged files must hash the same bytes', () => {
    const bench = viaCells(['id', 'text', 'label', 'score', 'category'], ['7', 'hello', 'pos', '0.5', 'cat1'], { key: 'id', text: 'text', restore: false });
    const indices = viaCells(['b', '10', '2', 'a', '0', '01'], ['1', '2', '3', '', '5', '6'], { key: 'b', restore: false });

    expect(bench.fields).toBe('{"id":7,"label":"pos","score":0.5,"category":"cat1"}');
    expect(indices.fields).toBe('{"0":5,"2":3,"10":2,"b":1,"a":null,"01":6}');
  });

  test('an empty key cell names file, line and column', () => {
    const items = CellItems.of(['id', 'text'], { key: 'id', text: 'text', restore: false }, 'f.csv');

    expect(() => items?.item(['', 'x'], 9, AT)).toThrow(new InputError('f.csv:9: key column "id" is empty'));
  });

  test('a key of blanks is refused as the row-object path refuses it', () => {
    const mapping = { key: 'id', restore: false };

    expect(() => viaCells(['id', 'a'], ['  ', 'x'], mapping)).toThrow('record has an empty key');
    expect(() => viaRowObject(['id', 'a'], ['  ', 'x'], mapping)).toThrow('record has an empty key');
  });

  test('Trove exports and a column named __proto__ keep the row objects', () => {
    expect(CellItems.of(['key', 'text'], { restore: true }, 'f.csv')).toBeUndefined();
    expect(CellItems.of(['id', '__proto__'], { key: 'id', restore: false }, 'f.csv')).toBeUndefined();
  });

  test('a cell as JSON is the JSON of its value', () => {
    for (const raw of ['', '0', '-0', '42', '-3.25', '007', '5.10', '1e5', '1e+21', 'NaN', 'Infinity', '-Infinity', '0x10', ' 1', 'a"b', '\\', 'é', '\ud83d\ude00']) {
      expect(cellJson(raw)).toBe(JSON.stringify(cellValue(raw)));
    }
  });
});
