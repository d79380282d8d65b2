// Regenerates the TypeScript types for the tunnel contract from its .proto.
// The generated files are committed; a test fails when they are stale.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const out = 'packages/protocol/src/generated';
rmSync(out, { recursive: true, force: true });
execFileSync(
  'node_modules/.bin/proto-loader-gen-types',
  ['--longs=String', '--enums=String', '--defaults', '--oneofs', '--keepCase=false',
   '--grpcLib=@grpc/grpc-js', '--outDir', out, '--importFileExtension=.js',
   'packages/protocol/proto/tunnel.proto'],
  { stdio: 'inherit' },
);
