import { runStoreSuite } from './suite.js';
import { MemoryStore } from '../../src/store/index.js';

runStoreSuite('memory', async (opts) => ({ store: new MemoryStore(opts), cleanup: async () => {} }));
