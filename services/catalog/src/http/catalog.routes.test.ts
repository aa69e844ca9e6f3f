import { catalogApiSuite } from './catalog.api-suite.ts';
import { startCatalog } from '../testing/catalog-harness.ts';

catalogApiSuite('embedded PGlite', () => startCatalog());
