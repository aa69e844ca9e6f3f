import { loyaltyApiSuite } from './loyalty.api-suite.ts';
import { startLoyalty } from '../testing/loyalty-harness.ts';

loyaltyApiSuite('embedded PGlite', () => startLoyalty());
