// Catalog events (product_created/updated/deleted, stock_changed): filled in by the catalog service work.
export {};
