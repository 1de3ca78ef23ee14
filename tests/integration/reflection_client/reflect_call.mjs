// Talks to sandboxd with nothing but server reflection: lists the services,
// loads SandboxService's descriptors, creates a sandbox from JSON and reads
// it back with Get. Exits non-zero on the first failed check.
// usage: node reflect_call.mjs HOST:PORT
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const { GrpcReflection } = require('grpc-js-reflection-client');
// protobufjs's ProtoJSON mapping (lowerCamelCase, enums as names), from the
// copy the reflection client builds its types with.
const protojson = createRequire(require.resolve('grpc-js-reflection-client'))(
  'protobufjs/ext/protojson.js');

const addr = process.argv[2];
let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) { passed++; console.log(`ok   ${what}`); } else { failed++; console.log(`FAIL ${what}`); }
}

const reflection = new GrpcReflection(addr, grpc.credentials.createInsecure());
const services = await reflection.listServices();
check(services.includes('sandbox.v1.SandboxService'), `list shows sandbox.v1.SandboxService (${services.join(', ')})`);
check(services.includes('grpc.health.v1.Health'), 'list shows grpc.health.v1.Health');

const descriptor = await reflection.getDescriptorBySymbol('sandbox.v1.SandboxService');
const root = descriptor.getProtobufJsRoot();
root.resolveAll();
const service = root.lookupService('sandbox.v1.SandboxService');
check(['Create', 'Get', 'Delete', 'List', 'WatchBuild'].every((m) => service.methods[m]),
  'describe shows Create, Get, Delete, List, WatchBuild');
check(service.methods.WatchBuild.responseStream === true, 'WatchBuild is server streaming');

const client = new grpc.Client(addr, grpc.credentials.createInsecure());
function unary(name, json) {
  const m = service.methods[name];
  const req = m.resolvedRequestType;
  const res = m.resolvedResponseType;
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/sandbox.v1.SandboxService/${name}`,
      (msg) => Buffer.from(req.encode(msg).finish()), (buf) => res.decode(buf),
      protojson.fromJson(req, json), new grpc.Metadata(), { deadline: Date.now() + 10000 },
      (err, msg) => resolve({ err, json: msg && protojson.toJson(res, msg) }));
  });
}

const created = await unary('Create', {
  generatedCode: {
    'page.tsx': 'export default function Page() { return <h1>from node</h1>; }\n',
  },
  projectName: 'reflection-client',
  labels: { client: 'grpc-js' },
});
check(!created.err && created.json.success === true && created.json.sandboxId.startsWith('sbx-'),
  `Create with JSON -> ${created.err ? created.err.details : created.json.sandboxId}`);
if (created.err) { console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); }

const got = await unary('Get', { sandboxId: created.json.sandboxId });
check(!got.err && got.json.sandbox.sandboxId === created.json.sandboxId,
  'Get returns the same sandbox');
check(!got.err && got.json.sandbox.projectName === 'reflection-client' && got.json.sandbox.labels.client === 'grpc-js',
  'Get carries the project name and labels');
check(!got.err && got.json.sandbox.status.startsWith('SANDBOX_STATUS_'),
  `Get status is an enum name (${got.json && got.json.sandbox.status})`);

const missing = await unary('Get', { sandboxId: 'sbx-00000000000000000000' });
check(missing.err && missing.err.code === grpc.status.NOT_FOUND, 'Get of an unknown id is NOT_FOUND');

client.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
