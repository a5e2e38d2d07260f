/**
 * `npm run bench`: every speed figure driftwarden promises, measured on this machine and printed with its target.
 * Figures are medians over many runs; none of this runs in `npm test`, where a shared machine makes timing flaky.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

interface BenchModule {
  name: string;
  file: string;
  exportName: string;
}

const BENCHES: BenchModule[] = [
  { name: 'NSG effective exposure', file: 'exposure', exportName: 'benchExposure' },
  { name: 'Event intake', file: 'events', exportName: 'benchEvents' },
  { name: 'Emulator throughput', file: 'emulator', exportName: 'benchEmulator' },
  { name: 'End-to-end remediation', file: 'remediation', exportName: 'benchRemediation' },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const bench of BENCHES) {
    if (only.length > 0 && !only.includes(bench.file)) continue;
    const path = join(__dirname, `${bench.file}.js`);
    if (!existsSync(path)) continue;
    console.log(`\n== ${bench.name} ==`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path) as Record<string, () => Promise<void>>;
    await mod[bench.exportName]!();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
