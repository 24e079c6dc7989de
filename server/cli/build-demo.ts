/**
 * Builds the client demo's bundle into client-demo/dist/ (development tooling).
 * The server builds it by itself on the first /demo request when it is missing
 * or outdated; the test command runs this first so parallel test servers find
 * it ready.
 *
 *   npm run build:demo [-- --force]
 */
import { parseArgs } from 'node:util';
import { ensureDemoBuilt } from '../demo/build-demo.ts';

const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
const build = await ensureDemoBuilt({ force: values.force });
process.stderr.write(`client demo ${build.built ? 'built' : 'up to date'} in ${build.dir} (${Math.round(build.ms)} ms)\n`);
