import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { gpt2TokenizerJson } from '../../compute/models/gpt2Tokenizer.js';
import { tinyGptWeights } from '../../compute/models/tinyGpt.js';
import { tinyGptOnnx } from '../../compute/models/tinyGptOnnx.js';
import type { AuthConfig } from '../../server/auth.js';
import { createApiKey } from '../../services/apiKeys.js';
import { UploadStore } from '../../services/uploads.js';
import { warehouseFingerprint } from '../helpers/fingerprint.js';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tarBytes } from '../helpers/tarBytes.js';
import { tempDir } from '../helpers/tmp.js';

const AUTH: AuthConfig = {
  anonymousRole: null,
  limits: { reader: { maxCost: 200_000, requestsPerMinute: 10_000 }, writer: { maxCost: 400_000, requestsPerMinute: 10_000 }, admin: { maxCost: 1_000_000, requestsPerMinute: 10_000 } },
  refusedPerMinute: 10_000,
};

/**
 * Remote clients send files instead of naming server paths: POST /uploads, then `upload:<id>`
 * in any mutation. Over real HTTP, with real keys, no import roots at all.
 */
describe('uploads: files sent in the request, used by every import door', () => {
  const tmp = tempDir('cortexql-uploads-');
  let t: TestServer;
  const keys: Record<'reader' | 'writer' | 'other', string> = { reader: '', writer: '', other: '' };
  const auth = (who: keyof typeof keys) => ({ authorization: `Bearer ${keys[who]}` });
  const gql = (who: keyof typeof keys, query: string, variables?: Record<string, unknown>) => t.gql(query, variables, auth(who));
  const upload = (who: keyof typeof keys, name: string, bytes: Uint8Array | string, headers: Record<string, string> = {}) => t.upload(name, bytes, { ...auth(who), ...headers });

  beforeAll(async () => {
    t = await startTestServer({ auth: AUTH, maxUploadBytes: 4 * 2 ** 20 });
    keys.reader = (await createApiKey(t.wh, 'reader', 'reader')).key;
    keys.writer = (await createApiKey(t.wh, 'writer', 'writer')).key;
    keys.other = (await createApiKey(t.wh, 'other writer', 'writer')).key;
    await gql('writer', 'mutation { registerModel(input: { id: "mini", tokensPerStep: 100, finalStep: 300 }) { id } }');
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('imports an eval file sent as an upload', async () => {
    const up = await upload('writer', '70m_step3000.json', readFileSync(join(PYTHIA_EVALS, 'pythia-70m', 'zero-shot', '70m_step3000.json')));
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ id: expect.stringMatching(/^upl_[0-9a-f]{32}$/), ref: `upload:${up.body.id}`, name: '70m_step3000.json', kind: 'file', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(up.body).not.toHaveProperty('owner');
    const { body } = await gql('writer', 'mutation($p: String!) { importEvals(input: { path: $p }) { files models } }', { p: up.body.ref });
    expect(body).toEqual({ data: { importEvals: { files: 1, models: ['pythia-70m'] } } });
  });

  it('imports an fMRI dataset sent as a .tar of its folder, and features as .npy uploads', async () => {
    const synth = writeSyntheticFmri(join(tmp.dir, 'synth'));
    const archive = join(tmp.dir, 'synth.tar');
    await tar.create({ file: archive, cwd: tmp.dir, portable: true }, ['synth']);
    const up = await upload('writer', 'synth.tar', readFileSync(archive));
    expect(up.status).toBe(201);
    expect(up.body.kind).toBe('archive');
    expect(up.body.files).toContain('synth/manifest.json');
    const fmri = await gql('writer', 'mutation($m: String!) { importFmri(manifest: $m) { dataset subjects } }', { m: `${up.body.ref}/synth/manifest.json` });
    expect(fmri.body).toEqual({ data: { importFmri: { dataset: 'synth', subjects: 1 } } });
    const npy = await upload('writer', 'layer1.npy', readFileSync(synth.featureFiles.get(1)!));
    const f = await gql('writer', 'mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { nWords dim } }', { i: { model: 'mini', step: 100, layer: 1, dataset: 'synth', path: npy.body.ref } });
    expect(f.body).toEqual({ data: { importFeatures: { nWords: synth.nWords, dim: 6 } } });
  });

  it('registers an ONNX checkpoint and tokenizer from uploads; readers see the upload name, never a server path', async () => {
    const tokenizer = gpt2TokenizerJson({ merges: 500 });
    const vocabSize = Object.keys((tokenizer as { model: { vocab: Record<string, number> } }).model.vocab).length;
    const onnx = tinyGptOnnx(tinyGptWeights({ vocabSize, dModel: 16, nLayers: 2, nHeads: 2, dFF: 32, maxPositions: 64, seed: 1 }));
    const graph = await upload('writer', 'step200.onnx', onnx);
    const tok = await upload('writer', 'tokenizer.json', JSON.stringify(tokenizer));
    const reg = await gql('writer', 'mutation($a: [ArtifactInput!], $t: String) { registerCheckpointArtifacts(model: "mini", artifacts: $a, tokenizer: $t) { step artifactUri artifactSha256 } }', {
      a: [{ step: 200, path: graph.body.ref }], t: tok.body.ref,
    });
    expect(reg.body.errors).toBeUndefined();
    expect(reg.body.data.registerCheckpointArtifacts).toEqual([{ step: 200, artifactUri: `${graph.body.ref}/step200.onnx`, artifactSha256: graph.body.sha256 }]);
    const read = await gql('reader', '{ model(id: "mini") { checkpoints(first: 5) { nodes { step artifactUri } } } }');
    expect(JSON.stringify(read.body)).not.toContain(tmp.dir);
    expect(JSON.stringify(read.body)).not.toContain(t.uploadDir);
    // Registered uploads are read again by extraction: they no longer expire.
    const meta = JSON.parse(readFileSync(join(t.uploadDir, graph.body.id, 'meta.json'), 'utf8'));
    expect(meta.expiresAt).toBeNull();
    const x = await gql('writer', 'mutation { extractFeatures(model: "mini", step: 200, dataset: "synth", windowTokens: 32) { nWords dim } }');
    expect(x.body.data.extractFeatures).toEqual({ nWords: 904, dim: 16 });
  });

  it('imports a sharing bundle sent as an upload', async () => {
    const other = await startTestServer({ withPythia: false, auth: AUTH });
    try {
      const key = (await createApiKey(other.wh, 'w', 'writer')).key;
      const exported = await t.gql('mutation { exportBundle(where: { models: ["pythia-70m"] }) { id folder downloadPath } }', undefined, auth('writer'));
      expect(exported.body.data.exportBundle.folder).toBe(exported.body.data.exportBundle.id);
      const bytes = Buffer.from(await (await fetch(new URL(exported.body.data.exportBundle.downloadPath, t.server.url), { headers: auth('reader') })).arrayBuffer());
      const up = await other.upload('bundle.tar', bytes, { authorization: `Bearer ${key}` });
      expect(up.status).toBe(201);
      const imp = await other.gql('mutation($p: String!) { importBundle(path: $p) { id tables { table inserted } } }', { p: up.body.ref }, { authorization: `Bearer ${key}` });
      expect(imp.body.errors).toBeUndefined();
      expect(imp.body.data.importBundle.tables.find((x: { table: string }) => x.table === 'task_scores').inserted).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('keeps each upload to its key: another writer gets the same answer as for an unknown id', async () => {
    const up = await upload('writer', 'mine.json', '{}');
    const theirs = await gql('other', 'mutation($p: String!) { importEvals(input: { path: $p }) { files } }', { p: up.body.ref });
    const unknown = await gql('other', 'mutation($p: String!) { importEvals(input: { path: $p }) { files } }', { p: 'upload:upl_00000000000000000000000000000000' });
    expect(theirs.body.errors?.[0].extensions.code).toBe('PATH_NOT_ALLOWED');
    expect(theirs.body.errors?.[0].message.replace(up.body.id, 'ID')).toBe(unknown.body.errors?.[0].message.replace('upl_00000000000000000000000000000000', 'ID'));
    expect(theirs.body.errors?.[0].message).toMatch(/is not a file or folder among your uploads \(unknown, expired, or another key's\)$/);
    const escape = await gql('writer', 'mutation($p: String!) { importEvals(input: { path: $p }) { files } }', { p: `${up.body.ref}/../../../../etc/passwd` });
    expect(escape.body.errors?.[0].extensions.code).toBe('PATH_NOT_ALLOWED');
    const del = await fetch(new URL(`/uploads/${up.body.id}`, t.server.url), { method: 'DELETE', headers: auth('other') });
    expect(del.status).toBe(404);
    expect((await fetch(new URL(`/uploads/${up.body.id}`, t.server.url), { method: 'DELETE', headers: auth('writer') })).status).toBe(204);
    expect(existsSync(join(t.uploadDir, up.body.id))).toBe(false);
  });

  it('refuses uploads without a writer key, in another content type or encoding, or over the size limit, keeping nothing', async () => {
    const before = readdirSync(t.uploadDir).length;
    const anonymous = await t.upload('a.json', '{}');
    expect(anonymous).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(await upload('reader', 'a.json', '{}')).toMatchObject({ status: 403, body: { errors: [{ extensions: { code: 'FORBIDDEN' } }] } });
    expect(await upload('writer', 'a.json', '{}', { 'content-type': 'text/plain' })).toMatchObject({ status: 415, body: { errors: [{ extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] } });
    expect(await upload('writer', 'a.json', '{}', { 'content-encoding': 'gzip' })).toMatchObject({ status: 415 });
    expect(await upload('writer', '../../etc/passwd', '{}')).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
    expect(await upload('writer', 'big.npy', new Uint8Array(4 * 2 ** 20 + 1))).toMatchObject({ status: 413, body: { errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] } });
    // Streamed without a length, the limit holds while reading.
    const res = await fetch(new URL('/uploads?name=big.npy', t.server.url), {
      method: 'POST', headers: { 'content-type': 'application/octet-stream', ...auth('writer') }, duplex: 'half',
      body: new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(2 ** 20)); c.close(); } }),
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(readdirSync(t.uploadDir).length).toBe(before);
  });

  it('refuses archives with links, devices, absolute or .. names, and ones that are no tar or are cut short — listing each entry, keeping nothing', async () => {
    const before = readdirSync(t.uploadDir).length;
    const fingerprint = await warehouseFingerprint(t.wh);
    const cases: [string, Buffer, RegExp][] = [
      ['symlink', tarBytes([{ path: 'd/manifest.json', type: 'SymbolicLink', linkpath: '/etc/shadow' }]), /d\/manifest\.json.*: SymbolicLink entries are refused/],
      ['hardlink', tarBytes([{ path: 'd/x', body: 'x' }, { path: 'd/manifest.json', type: 'Link', linkpath: '/etc/passwd' }]), /Link entries are refused/],
      ['dotdot', tarBytes([{ path: '../../escape.json', body: '{}' }]), /names with a '\.\.' segment are refused/],
      ['absolute', tarBytes([{ path: '/tmp/abs.json', body: '{}' }]), /absolute names are refused/],
      ['fifo', tarBytes([{ path: 'p', type: 'FIFO' }]), /FIFO entries are refused/],
      ['device', tarBytes([{ path: 'zero', type: 'CharacterDevice' }]), /CharacterDevice entries are refused/],
      ['not a tar', Buffer.from('definitely not an archive, just some text'.repeat(40)), /not a tar archive|corrupt tar archive/],
      ['empty', Buffer.alloc(0), /not a tar archive|the archive is empty/],
      ['truncated', tarBytes([{ path: 'a.json', body: 'x'.repeat(3000) }]).subarray(0, 1536), /truncated/],
      ['no end marker', tarBytes([{ path: 'a.json', body: 'x'.repeat(10) }], { end: false }), /truncated/],
    ];
    for (const [name, bytes, message] of cases) {
      const up = await upload('writer', `${name.replaceAll(' ', '-')}.tar`, bytes);
      expect(up.status, name).toBe(422);
      expect(up.body.errors[0].extensions.code, name).toBe('IMPORT_FAILED');
      expect(up.body.errors[0].message, name).toMatch(message);
    }
    expect(readdirSync(t.uploadDir).length).toBe(before);
    expect(await warehouseFingerprint(t.wh)).toEqual(fingerprint);
  });

  it('expires uploads (unless pinned) and sweeps abandoned transfers', async () => {
    const dir = join(tmp.dir, 'store');
    const store = new UploadStore({ dir, maxBytes: 1000, ttlMs: 1000 });
    const { Readable } = await import('node:stream');
    const meta = await store.receive(Readable.from([Buffer.from('{}')]), 'a.json', 'k', 0);
    expect(store.meta(meta.id, 'k', 500)).not.toBeNull();
    expect(store.meta(meta.id, 'k', 1000)).toBeNull();
    expect(store.meta(meta.id, 'other', 500)).toBeNull();
    store.sweep(120_000);
    expect(existsSync(join(dir, meta.id))).toBe(false);
  });
});
