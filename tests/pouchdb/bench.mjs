// The PouchDB side of scripts/bench. Reads the shift the Rust sync bench wrote
// (PATROL_BENCH_SHIFT_OUT: {fixes, reports}), stores it in a device-side PouchDB (LevelDB on
// disk, like the app's SQLite) and replicates it to a PouchDB server (express-pouchdb, LevelDB)
// on 127.0.0.1 through a counting TCP proxy. Two layouts, as a PouchDB app would choose:
//   batched  one document per 30 fixes (what our track segments hold) + one per report
//   per-fix  one document per fix + one per report
// Prints one line per layout: `pouchdb <layout>: <seconds> s, <bytes> bytes, <docs> docs`.
// Storing the documents on the device is not timed (the officer's phone did that during the
// shift); the replication is, from start to the server holding everything.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import expressPouchdb from 'express-pouchdb';
import PouchDB from 'pouchdb';

const shiftFile = process.argv[2];
if (!shiftFile) {
  console.error('usage: node bench.mjs SHIFT.json  (written by the sync bench with PATROL_BENCH_SHIFT_OUT)');
  process.exit(2);
}
const shift = JSON.parse(fs.readFileSync(shiftFile, 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patrol-pouchdb-'));

// The server: express-pouchdb over LevelDB in its own folder.
const ServerDB = PouchDB.defaults({ prefix: path.join(tmp, 'server') + path.sep });
fs.mkdirSync(path.join(tmp, 'server'));
const app = express();
app.use('/', expressPouchdb(ServerDB, { mode: 'minimumForPouchDB', logPath: path.join(tmp, 'log.txt') }));
const server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
const upstream = server.address().port;

// Every byte both ways, as on the wire.
let bytes = 0;
const proxy = net.createServer((client) => {
  const up = net.connect(upstream, '127.0.0.1');
  client.on('data', (d) => { bytes += d.length; up.write(d); });
  up.on('data', (d) => { bytes += d.length; client.write(d); });
  client.on('close', () => up.destroy());
  up.on('close', () => client.destroy());
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const via = `http://127.0.0.1:${proxy.address().port}`;

const patrol = 'patrol-1';
const layouts = {
  batched: () => {
    const docs = [];
    for (let i = 0; i < shift.fixes.length; i += 30) {
      docs.push({ _id: `seg-${String(i / 30).padStart(6, '0')}`, type: 'track_segment', patrol_id: patrol, fixes: shift.fixes.slice(i, i + 30) });
    }
    return docs;
  },
  'per-fix': () => shift.fixes.map((f, i) => ({ _id: `fix-${String(i).padStart(6, '0')}`, type: 'fix', patrol_id: patrol, ...f })),
};

for (const [name, make] of Object.entries(layouts)) {
  const docs = [...make(), ...shift.reports.map((r, i) => ({ _id: `report-${i}`, type: 'report', ...r }))];
  const local = new PouchDB(path.join(tmp, `device-${name}`));
  for (let i = 0; i < docs.length; i += 1000) await local.bulkDocs(docs.slice(i, i + 1000));
  const before = bytes;
  const t = process.hrtime.bigint();
  const result = await local.replicate.to(`${via}/shift-${name}`, { batch_size: 100 });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  if (!result.ok || result.docs_written !== docs.length) {
    console.error(`pouchdb ${name}: replication incomplete: ${JSON.stringify(result)}`);
    process.exit(1);
  }
  console.log(`pouchdb ${name}: ${secs.toFixed(2)} s, ${bytes - before} bytes, ${docs.length} docs`);
  await local.close();
}

proxy.close();
server.close();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(0);
