// First, before the kit loads: start-up must not grow V8's young generation (startupHeap.ts).
import { holdYoungGeneration } from '../src/server/startupHeap.js';

holdYoungGeneration();
const { runServer } = await import('../src/index.js');
const { createBffWeb } = await import('./createBffWeb.js');
const { webProfile } = await import('./webProfile.js');

await runServer(webProfile, (config) => createBffWeb(config));
