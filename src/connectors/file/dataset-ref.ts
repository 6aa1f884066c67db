import { InputError } from '../../core/errors.js';

/** Where `trove import` reads from: a local path, an http(s) URL, a Kaggle dataset or a Hugging Face dataset. */
export type DatasetRef =
  | { type: 'local'; path: string }
  | { type: 'url'; url: string }
  | { type: 'kaggle'; owner: string; dataset: string; file?: string }
  | { type: 'hf'; dataset: string };

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseDatasetRef(input: string): DatasetRef {
  if (/^https?:\/\//i.test(input)) {
    try {
      new URL(input);
    } catch {
      throw new InputError(`${input}: not a valid URL`);
    }
    return { type: 'url', url: input };
  }
  if (input.startsWith('kaggle:')) {
    const [owner, dataset, ...file] = input.slice('kaggle:'.length).split('/');
    if (!owner || !dataset || !SLUG.test(owner) || !SLUG.test(dataset)) {
      throw new InputError(`${input}: expected kaggle:OWNER/DATASET or kaggle:OWNER/DATASET/FILE`);
    }
    return { type: 'kaggle', owner, dataset, file: file.length ? file.join('/') : undefined };
  }
  if (input.startsWith('hf:')) {
    const dataset = input.slice('hf:'.length);
    const parts = dataset.split('/');
    if (parts.length > 2 || !parts.every((p) => SLUG.test(p))) throw new InputError(`${input}: expected hf:OWNER/NAME`);
    return { type: 'hf', dataset };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) throw new InputError(`${input}: only http(s) URLs, kaggle: and hf: datasets can be imported`);
  return { type: 'local', path: input };
}

/** The file name a reference points at, for telling its format. */
export function refFileName(ref: DatasetRef): string | undefined {
  if (ref.type === 'local') return ref.path;
  if (ref.type === 'url') return decodeURIComponent(new URL(ref.url).pathname);
  if (ref.type === 'kaggle') return ref.file;
  return undefined;
}
