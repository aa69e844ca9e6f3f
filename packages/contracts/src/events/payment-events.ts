// Payment events (payment_succeeded/failed/refunded): filled in by the payments service work.
export {};
