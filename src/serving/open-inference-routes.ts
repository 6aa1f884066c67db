import { Router, type Response } from 'express';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import type { InputField, Prediction } from '../ml/predictor-contract.js';
import { parseInput } from '../server/validate.js';
import type { RawRecord } from './inference-protocol.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';
import { parseVersion, predictRecords, tagRequest } from './serving-http.js';

const OUTPUTS = ['label', 'probabilities'] as const;

const inferBody = z.object({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z
    .array(
      z.object({
        name: z.string().min(1),
        shape: z.array(z.number().int().min(0)).min(1),
        datatype: z.string().min(1),
        parameters: z.record(z.string(), z.unknown()).optional(),
        data: z.array(z.unknown()),
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.enum(OUTPUTS), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
});
type InferBody = z.infer<typeof inferBody>;

/**
 * KServe v2 / Open Inference Protocol: server health and metadata, model metadata and readiness,
 * and `infer`, where every raw field of the record is one input tensor whose first dimension is the batch.
 */
export function openInferenceRoutes(catalog: ModelCatalog, serverVersion: string): Router {
  const r = Router();
  r.get('/v2', (_req, res) => {
    tagRequest(res, 'v2_server');
    res.json({ name: 'trove', version: serverVersion, extensions: [] });
  });
  r.get('/v2/health/live', (_req, res) => {
    tagRequest(res, 'v2_health');
    res.json({ live: true });
  });
  r.get('/v2/health/ready', (_req, res) => {
    tagRequest(res, 'v2_health');
    res.status(catalog.ready ? 200 : 503).json({ ready: catalog.ready });
  });
  r.get('/v2/models/:model', (req, res) => modelMetadata(catalog, res, req.params.model));
  r.get('/v2/models/:model/versions/:version', (req, res) =>
    modelMetadata(catalog, res, req.params.model, parseVersion(req.params.model, req.params.version)),
  );
  r.get('/v2/models/:model/ready', (req, res) => modelReady(catalog, res, req.params.model));
  r.get('/v2/models/:model/versions/:version/ready', (req, res) =>
    modelReady(catalog, res, req.params.model, parseVersion(req.params.model, req.params.version)),
  );
  r.post('/v2/models/:model/infer', async (req, res) => infer(catalog, res, req.params.model, req.body));
  r.post('/v2/models/:model/versions/:version/infer', async (req, res) =>
    infer(catalog, res, req.params.model, req.body, parseVersion(req.params.model, req.params.version)),
  );
  return r;
}

function modelMetadata(catalog: ModelCatalog, res: Response, model: string, version?: number): void {
  tagRequest(res, 'v2_model', model);
  const served = catalog.resolve(model, version);
  const { inputs, labels, task, lineage } = served.metadata;
  res.json({
    name: served.model,
    versions: catalog.versions(model).map((v) => String(v.version)),
    platform: 'tensorflowjs',
    inputs: inputs.map((f) => ({ name: f.name, datatype: datatypeOf(f), shape: f.type === 'pixels' ? [-1, f.length ?? -1] : [-1] })),
    outputs: [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, labels.length] },
    ],
    parameters: { version: String(served.version), task, labels, lineage },
  });
}

function modelReady(catalog: ModelCatalog, res: Response, model: string, version?: number): void {
  tagRequest(res, 'v2_model', model);
  const served = catalog.resolve(model, version);
  res.json({ name: served.model, version: String(served.version), ready: catalog.ready });
}

function datatypeOf(field: InputField): string {
  return field.type === 'numeric' || field.type === 'pixels' ? 'FP32' : 'BYTES';
}

async function infer(catalog: ModelCatalog, res: Response, model: string, body: unknown, version?: number): Promise<void> {
  tagRequest(res, 'v2_infer', model);
  const request = parseInput(inferBody, body, 'inference request');
  const served = catalog.resolve(model, version);
  const records = tensorsToRecords(served, request);
  const { predictions } = await predictRecords(catalog, model, served.version, records, (i, f) => `inputs ${f} row ${i}`);
  const wanted = new Set(request.outputs?.map((o) => o.name) ?? OUTPUTS);
  res.setHeader('X-Model-Version', String(served.version));
  res.json({
    model_name: served.model,
    model_version: String(served.version),
    id: request.id ?? res.locals.requestId,
    parameters: { labels: served.metadata.labels },
    outputs: responseTensors(predictions, served.metadata.labels).filter((t) => wanted.has(t.name)),
  });
}

/** Input tensors (one per field, first dimension the batch) → one raw record per row. */
function tensorsToRecords(served: ServedVersion, request: InferBody): RawRecord[] {
  const fields = new Map(served.metadata.inputs.map((f) => [f.name, f]));
  let rows: number | undefined;
  const columns = request.inputs.map((tensor) => {
    const data = tensor.data.flat(Infinity);
    const expected = tensor.shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new InputError(`input ${tensor.name}: shape [${tensor.shape.join(', ')}] needs ${expected} values, data has ${data.length}`, { field: tensor.name });
    }
    const batch = tensor.shape[0];
    if (rows !== undefined && batch !== rows) {
      throw new InputError(`input ${tensor.name}: batch size ${batch} differs from the other inputs' ${rows}`, { field: tensor.name });
    }
    rows = batch;
    const width = batch === 0 ? 0 : expected / batch;
    const isVector = fields.get(tensor.name)?.type === 'pixels' || width > 1;
    const values = Array.from({ length: batch }, (_, i) => (isVector ? data.slice(i * width, (i + 1) * width) : data[i]));
    return { name: tensor.name, values };
  });
  if (!rows) throw new InputError('the inputs hold no rows (first dimension 0)', { field: 'inputs' });
  return Array.from({ length: rows }, (_, i) => Object.fromEntries(columns.map((c) => [c.name, c.values[i]])));
}

function responseTensors(predictions: Prediction[], labels: string[]) {
  return [
    {
      name: 'label' as const,
      datatype: 'BYTES',
      shape: [predictions.length],
      data: predictions.map((p) => (Array.isArray(p.label) ? JSON.stringify(p.label) : p.label)),
    },
    {
      name: 'probabilities' as const,
      datatype: 'FP32',
      shape: [predictions.length, labels.length],
      data: predictions.flatMap((p) => labels.map((label) => p.probabilities[label] ?? 0)),
    },
  ];
}
