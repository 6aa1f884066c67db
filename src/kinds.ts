import type { AnySourceKind } from './core/source.js';
import { fileSource } from './connectors/file/file-source.js';

/** Every kind of source this build of Trove knows. */
export const allSourceKinds: AnySourceKind[] = [fileSource];
