import { z } from 'zod';
import { InputError } from '../core/errors.js';
import type { InputField } from '../ml/predictor-contract.js';
import { parseInput } from '../server/validate.js';
import type { RawRecord } from './inference-protocol.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';
import { jsonReply, parseVersion, predictRecords, type Reply, type RequestContext } from './serving-http.js';

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
 * and `infer`, where every raw field of the record is one input tensor whose first dimension is
 * the batch. Each route takes the path's parameters and answers a Reply.
 */
export class OpenInferenceRoutes {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly serverVersion: string,
  ) {}

  server(ctx: RequestContext): Reply {
    ctx.tag('v2_server');
    return jsonReply({ name: 'trove', version: this.serverVersion, extensions: [] });
  }

  live(ctx: RequestContext): Reply {
    ctx.tag('v2_health');
    return jsonReply({ live: true });
  }

  ready(ctx: RequestContext): Reply {
    ctx.tag('v2_health');
    return jsonReply({ ready: this.catalog.ready }, this.catalog.ready ? 200 : 503);
  }

  modelMetadata(ctx: RequestContext, model: string, versionText?: string): Reply {
    ctx.tag('v2_model', model);
    const served = this.catalog.resolve(model, parseVersion(model, versionText));
    const { inputs, labels, task, lineage } = served.metadata;
    return jsonReply({
      name: served.model,
      versions: this.catalog.versions(model).map((v) => String(v.version)),
      platform: 'tensorflowjs',
      inputs: inputs.map((f) => ({ name: f.name, datatype: datatypeOf(f), shape: f.type === 'pixels' ? [-1, f.length ?? -1] : [-1] })),
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, labels.length] },
      ],
      parameters: { version: String(served.version), task, labels, lineage },
    });
  }

  modelReady(ctx: RequestContext, model: string, versionText?: string): Reply {
    ctx.tag('v2_model', model);
    const served = this.catalog.resolve(model, parseVersion(model, versionText));
    return jsonReply({ name: served.model, version: String(served.version), ready: this.catalog.ready });
  }

  async infer(ctx: RequestContext, body: unknown, model: string, versionText?: string): Promise<Reply> {
    ctx.tag('v2_infer', model);
    const request = parseInput(inferBody, body, 'inference request');
    const served = this.catalog.resolve(model, parseVersion(model, versionText));
    const records = tensorsToRecords(served, request);
    const { probabilities } = await predictRecords(this.catalog, served, records, (i, f) => `inputs ${f} row ${i}`);
    const wanted = new Set(request.outputs?.map((o) => o.name) ?? OUTPUTS);
    const { labels } = served.metadata;
    const outputs = [
      { name: 'label', datatype: 'BYTES', shape: [records.length], data: served.writer.rowLabels(probabilities).map((l) => (Array.isArray(l) ? JSON.stringify(l) : l)) },
      { name: 'probabilities', datatype: 'FP32', shape: [records.length, labels.length], data: Array.from(probabilities) },
    ];
    return jsonReply(
      {
        model_name: served.model,
        model_version: String(served.version),
        id: request.id ?? ctx.requestId,
        parameters: { labels },
        outputs: outputs.filter((t) => wanted.has(t.name as (typeof OUTPUTS)[number])),
      },
      200,
      { 'X-Model-Version': String(served.version) },
    );
  }
}

function datatypeOf(field: InputField): string {
  return field.type === 'numeric' || field.type === 'pixels' ? 'FP32' : 'BYTES';
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
