import { Router, type Request, type Response } from 'express';
import { InputError, NotFoundError } from '../core/errors.js';
import type { RawRecord } from './inference-protocol.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';
import { parseVersion, predictRecords, tagRequest } from './serving-http.js';

/**
 * TensorFlow Serving's REST API: model status, metadata and `:predict` with the row form
 * (`instances`) or the column form (`inputs`), on the newest version or `/versions/N`.
 */
export function tfServingRoutes(catalog: ModelCatalog): Router {
  const r = Router();

  r.get('/v1/models/:model', (req, res) => status(catalog, res, req.params.model));
  r.get('/v1/models/:model/versions/:version', (req, res) => {
    const { model } = req.params;
    status(catalog, res, model, parseVersion(model, req.params.version));
  });
  r.get('/v1/models/:model/metadata', (req, res) => metadata(catalog, res, req.params.model));
  r.get('/v1/models/:model/versions/:version/metadata', (req, res) => {
    const { model } = req.params;
    metadata(catalog, res, model, parseVersion(model, req.params.version));
  });
  r.post('/v1/models/:target', async (req, res) => {
    const { model, verb } = splitVerb(req.params.target);
    await predict(catalog, req, res, model, verb);
  });
  r.post('/v1/models/:model/versions/:target', async (req, res) => {
    const { model: version, verb } = splitVerb(req.params.target);
    await predict(catalog, req, res, req.params.model, verb, parseVersion(req.params.model, version));
  });
  return r;
}

/** `iris:predict` → model `iris`, verb `predict`. */
function splitVerb(target: string): { model: string; verb: string } {
  const colon = target.lastIndexOf(':');
  if (colon < 0) throw new NotFoundError('route', `POST ${target} (expected NAME:predict)`);
  return { model: target.slice(0, colon), verb: target.slice(colon + 1) };
}

function status(catalog: ModelCatalog, res: Response, model: string, version?: number): void {
  tagRequest(res, 'v1_status', model);
  const versions = version === undefined ? catalog.versions(model) : [catalog.resolve(model, version)];
  res.json({
    model_version_status: versions
      .slice()
      .reverse()
      .map((v) => ({ version: String(v.version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } })),
  });
}

function metadata(catalog: ModelCatalog, res: Response, model: string, version?: number): void {
  tagRequest(res, 'v1_metadata', model);
  const served = catalog.resolve(model, version);
  res.json({
    model_spec: { name: served.model, signature_name: 'serving_default', version: String(served.version) },
    metadata: describeVersion(served),
  });
}

/** What a client needs to build requests: the raw fields, the labels, and where the model came from. */
export function describeVersion(served: ServedVersion): Record<string, unknown> {
  const { task, inputs, labels, lineage, metrics } = served.metadata;
  return { task, inputs, labels, lineage, metrics, loaded_at: served.loadedAt };
}

async function predict(catalog: ModelCatalog, req: Request, res: Response, model: string, verb: string, version?: number): Promise<void> {
  tagRequest(res, 'v1_predict', model);
  if (verb !== 'predict') throw new NotFoundError('method', `${verb} (this server answers :predict)`);
  const { records, locate } = parsePredictBody(req.body);
  const { served, predictions } = await predictRecords(catalog, model, version, records, locate);
  res.setHeader('X-Model-Version', String(served.version));
  res.json({ predictions: predictions.map((p) => ({ ...p, model_version: served.version })) });
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
