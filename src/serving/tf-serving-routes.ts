import { InputError, NotFoundError } from '../core/errors.js';
import type { RawRecord } from './inference-protocol.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';
import { jsonReply, parseVersion, predictRecords, type Reply, type RequestContext } from './serving-http.js';

/**
 * TensorFlow Serving's REST API: model status, metadata and `:predict` with the row form
 * (`instances`) or the column form (`inputs`), on the newest version or `/versions/N`.
 * Each route takes the path's parameters and answers a Reply.
 */
export class TfServingRoutes {
  constructor(private readonly catalog: ModelCatalog) {}

  list(ctx: RequestContext): Reply {
    ctx.tag('v1_list');
    const models = this.catalog.modelNames().map((name) => ({ name, versions: this.catalog.versions(name).map((v) => v.version) }));
    return jsonReply({ models });
  }

  status(ctx: RequestContext, model: string, versionText?: string): Reply {
    ctx.tag('v1_status', model);
    const version = parseVersion(model, versionText);
    const versions = version === undefined ? this.catalog.versions(model) : [this.catalog.resolve(model, version)];
    return jsonReply({
      model_version_status: versions
        .slice()
        .reverse()
        .map((v) => ({ version: String(v.version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } })),
    });
  }

  metadata(ctx: RequestContext, model: string, versionText?: string): Reply {
    ctx.tag('v1_metadata', model);
    const served = this.catalog.resolve(model, parseVersion(model, versionText));
    return jsonReply({
      model_spec: { name: served.model, signature_name: 'serving_default', version: String(served.version) },
      metadata: describeVersion(served),
    });
  }

  /** `POST /v1/models/NAME:predict` (target `NAME:predict`), or `…/versions/N:predict` (model NAME, target `N:predict`). */
  async predict(ctx: RequestContext, body: unknown, target: string, model?: string): Promise<Reply> {
    const split = splitVerb(target);
    const name = model ?? split.name;
    ctx.tag('v1_predict', name);
    if (split.verb !== 'predict') throw new NotFoundError('method', `${split.verb} (this server answers :predict)`);
    const served = this.catalog.resolve(name, model === undefined ? undefined : parseVersion(name, split.name));
    const { records, locate } = parsePredictBody(body);
    const { probabilities } = await predictRecords(this.catalog, served, records, locate);
    return { status: 200, body: served.writer.tfServingBody(probabilities), headers: { 'X-Model-Version': String(served.version) } };
  }
}

/** `iris:predict` → name `iris`, verb `predict`. */
function splitVerb(target: string): { name: string; verb: string } {
  const colon = target.lastIndexOf(':');
  if (colon < 0) throw new NotFoundError('route', `POST ${target} (expected NAME:predict)`);
  return { name: target.slice(0, colon), verb: target.slice(colon + 1) };
}

/**
 * What a client needs to build requests: the raw fields, the labels, and where the model came from.
 * Every field must be present in a record (leaving one out is a 400); `nullable` says whether a
 * null is imputed as in training.
 */
export function describeVersion(served: ServedVersion): Record<string, unknown> {
  const { task, inputs, labels, lineage, metrics } = served.metadata;
  const fields = inputs.map(({ optional, ...field }) => ({ ...field, required: true, nullable: optional }));
  return { task, inputs: fields, labels, lineage, metrics, loaded_at: served.loadedAt };
}

type Locate = (index: number, field: string) => string;

/** The row form `{"instances": [record, …]}` or the column form `{"inputs": {field: [value, …]}}`. */
export function parsePredictBody(body: unknown): { records: RawRecord[]; locate: Locate } {
  if (!isObject(body)) throw new InputError('request body must be a JSON object with "instances" or "inputs"');
  if ('instances' in body) return { records: rowForm(body.instances), locate: (i, f) => `instances[${i}].${f}` };
  if ('inputs' in body) return { records: columnForm(body.inputs), locate: (i, f) => `inputs.${f}[${i}]` };
  throw new InputError('request body must hold "instances" (a list of records) or "inputs" (a list of values per field)');
}

function rowForm(instances: unknown): RawRecord[] {
  if (!Array.isArray(instances) || instances.length === 0) throw new InputError('"instances" must be a non-empty list of records', { field: 'instances' });
  instances.forEach((record, i) => {
    if (!isObject(record)) throw new InputError(`instances[${i}] must be an object of field values`, { field: `instances[${i}]` });
  });
  return instances as RawRecord[];
}

function columnForm(inputs: unknown): RawRecord[] {
  if (!isObject(inputs)) throw new InputError('"inputs" must be an object mapping each field to a list of values', { field: 'inputs' });
  const columns = Object.entries(inputs);
  if (columns.length === 0) throw new InputError('"inputs" names no field', { field: 'inputs' });
  let rows: number | undefined;
  for (const [field, values] of columns) {
    if (!Array.isArray(values)) throw new InputError(`inputs.${field} must be a list of values`, { field });
    rows ??= values.length;
    if (values.length !== rows) throw new InputError(`inputs.${field} has ${values.length} values where the other fields have ${rows}`, { field });
  }
  if (!rows) throw new InputError('"inputs" lists no values', { field: 'inputs' });
  return Array.from({ length: rows }, (_, i) => Object.fromEntries(columns.map(([field, values]) => [field, (values as unknown[])[i]])));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
