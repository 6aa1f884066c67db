import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** The WAL checkpoint thread: checkpoints a SQLite database every CHECKPOINT_MS until told to stop. */
const { file } = (workerData as { data: { file: string } }).data;
const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker runs only as a worker thread');

/** About 1–2 MB of log at import speed: short enough that the log file stays small. */
const CHECKPOINT_MS = 50;

const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)');
const timer = setInterval(checkpoint, CHECKPOINT_MS);
port.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  port.close();
});
