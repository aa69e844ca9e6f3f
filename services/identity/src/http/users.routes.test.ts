import { identityApiSuite } from './users.api-suite.ts';
import { startIdentity } from '../testing/identity-harness.ts';

identityApiSuite('embedded PGlite', () => startIdentity());
