import { runServer } from '../src/index.js';
import { createBffMobile } from './createBffMobile.js';
import { mobileProfile } from './mobileProfile.js';

await runServer(mobileProfile, (config) => createBffMobile(config));
