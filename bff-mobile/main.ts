// First, before the kit loads: start-up must not grow V8's young generation (startupHeap.ts).
import { holdYoungGeneration } from '../src/server/startupHeap.js';

holdYoungGeneration();
const { runServer } = await import('../src/index.js');
const { createBffMobile } = await import('./createBffMobile.js');
const { mobileProfile } = await import('./mobileProfile.js');

await runServer(mobileProfile, (config) => createBffMobile(config));
