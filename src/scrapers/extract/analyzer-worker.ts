import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../core/errors.js';
import { htmlText } from '../charset.js';
import type { AnalyzeRequest, AnalyzeResponse } from './analyzer-protocol.js';
import { analyzePage, parseDocument } from './page-extractor.js';
import { compileRecipe } from './recipe.js';

/** The analyzer thread: parses pages and runs the extraction (default recipe plus the source's). */
const { recipe: recipeInput } = (workerData as { data: { recipe?: unknown } }).data;
const recipe = recipeInput === undefined ? undefined : compileRecipe(recipeInput, 'recipe');
const port = parentPort;
if (!port) throw new Error('analyzer-worker runs only as a worker thread');

port.on('message', ({ id, html, url }: AnalyzeRequest) => {
  let reply: AnalyzeResponse;
  try {
    reply = { id, ok: true, analysis: analyzePage(parseDocument(htmlText(html)), url, recipe) };
  } catch (err) {
    reply = { id, ok: false, error: errorMessage(err) };
  }
  port.postMessage(reply);
});
