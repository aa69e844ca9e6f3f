import { startPayments } from '../testing/payments-harness.ts';
import { paymentsApiSuite } from './payments.api-suite.ts';

paymentsApiSuite('embedded PGlite', () => startPayments());
