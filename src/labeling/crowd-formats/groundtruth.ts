import { entitiesToSpans, isRecord, jsonLines, LineError, matchByField, positiveId, type ItemMatch, type ParsedCrowdFile, type ParseOptions, type ParsedTask } from './common.js';

const METADATA = '-metadata';

/**
 * A SageMaker Ground Truth output manifest: one JSON object per line with the data object
 * (`source` text or `source-ref` URI), the label attribute (named after the job) and its
 * `<attribute>-metadata` (`type`, `class-name` or `class-map`, `job-name`).
 */
export function parseGroundTruth(text: string, opts: ParseOptions): ParsedCrowdFile {
  const { file } = opts;
  const tasks = jsonLines(text, file).map(({ value: o, where }): ParsedTask => {
    const attr = labelAttribute(o, opts, where);
    const meta = o[`${attr}${METADATA}`] as Record<string, unknown>;
    const job = typeof meta['job-name'] === 'string' ? meta['job-name'] : attr;
    return {
      where,
      match: manifestMatch(o, opts, where),
      item: { text: typeof o.source === 'string' ? o.source : null, url: typeof o['source-ref'] === 'string' ? o['source-ref'] : null, fields: {} },
      answers: [{ where, platform: 'groundtruth', workerId: job.replace(/[^A-Za-z0-9_-]/g, '_'), answerId: job, result: labelResult(o[attr], meta, file, where), workSeconds: null }],
    };
  });
  return { tasks, skippedRejected: 0 };
}

/** The label attribute: the one named, else the only key with a `-metadata` companion. */
function labelAttribute(o: Record<string, unknown>, opts: ParseOptions, where: string): string {
  const attrs = Object.keys(o)
    .filter((k) => k.endsWith(METADATA) && isRecord(o[k]))
    .map((k) => k.slice(0, -METADATA.length));
  if (opts.answerField) {
    if (!attrs.includes(opts.answerField)) throw new LineError(opts.file, where, `no label attribute "${opts.answerField}" (with its "${opts.answerField}${METADATA}"); it has ${attrs.join(', ') || 'none'}`);
    return opts.answerField;
  }
  if (attrs.length === 1) return attrs[0];
  if (attrs.length === 0) throw new LineError(opts.file, where, 'no "<label attribute>-metadata" key');
  throw new LineError(opts.file, where, `several label attributes (${attrs.join(', ')}): name the one to import with --answer-field`);
}

function manifestMatch(o: Record<string, unknown>, opts: ParseOptions, where: string): ItemMatch {
  if (opts.matchField) return matchByField(opts.matchField, o, opts.file, where);
  const expectText = typeof o.source === 'string' ? [o.source] : undefined;
  const itemId = positiveId(o['trove-item-id']);
  if (itemId !== undefined) return { by: 'item', id: itemId, expectText };
  if (typeof o.source === 'string') return { by: 'text', values: [o.source] };
  if (typeof o['source-ref'] === 'string') return { by: 'url', values: [o['source-ref']] };
  throw new LineError(opts.file, where, 'cannot tell which item it is: no "source", "source-ref" or "trove-item-id" (name the key to match items by with --match-field)');
}

/** The answer by the manifest's own type; class indices are read through its class names, never by position in Trove's schema. */
function labelResult(value: unknown, meta: Record<string, unknown>, file: string, where: string): unknown {
  const type = typeof meta.type === 'string' ? meta.type : '';
  const classMap = isRecord(meta['class-map']) ? meta['class-map'] : undefined;
  const className = (index: unknown) => {
    const name = classMap?.[String(index)];
    if (typeof name !== 'string') throw new LineError(file, where, `class ${String(index)} has no name in the metadata's "class-map"`);
    return name;
  };
  if (type.endsWith('/named-entity-recognition') || type.endsWith('/text-span') || (isRecord(value) && isRecord(value.annotations))) {
    const entities = isRecord(value) && isRecord(value.annotations) ? value.annotations.entities : undefined;
    return { spans: entitiesToSpans(entities, file, where) };
  }
  if (type.endsWith('-multilabel') || Array.isArray(value)) {
    if (!Array.isArray(value)) throw new LineError(file, where, 'a multi-label answer is a list of class indices');
    return { labels: value.map(className) };
  }
  if (typeof meta['class-name'] === 'string') return { label: meta['class-name'] };
  return { label: className(value) };
}
