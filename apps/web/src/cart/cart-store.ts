import { useSyncExternalStore } from 'react';

export interface CartLine {
  product_id: string;
  name: string;
  price: number;
  currency: string;
  quantity: number;
}

const storageKey = 'redemption.cart.v1';
/** The API takes at most this many units of one product per line. */
export const lineQuantityMax = 99;

/**
 * The cart lives in localStorage (it holds no secret), so it survives reloads and is shared by
 * tabs; the `storage` event keeps other tabs in step.
 */
function read(): CartLine[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(storageKey) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as CartLine[]) : [];
  } catch {
    return [];
  }
}

let lines: CartLine[] = typeof localStorage === 'undefined' ? [] : read();
const listeners = new Set<() => void>();

function write(next: CartLine[]): void {
  lines = next;
  localStorage.setItem(storageKey, JSON.stringify(next));
  for (const l of listeners) l();
}

if (typeof window !== 'undefined')
  window.addEventListener('storage', (e) => {
    if (e.key !== storageKey) return;
    lines = read();
    for (const l of listeners) l();
  });

export const cart = {
  lines: (): CartLine[] => lines,
  add(line: Omit<CartLine, 'quantity'>, quantity = 1): void {
    const found = lines.find((l) => l.product_id === line.product_id);
    const qty = Math.min(lineQuantityMax, (found?.quantity ?? 0) + quantity);
    write(
      found
        ? lines.map((l) => (l.product_id === line.product_id ? { ...l, quantity: qty } : l))
        : [...lines, { ...line, quantity: qty }],
    );
  },
  setQuantity(productId: string, quantity: number): void {
    const q = Math.max(0, Math.min(lineQuantityMax, Math.floor(quantity)));
    write(
      q === 0
        ? lines.filter((l) => l.product_id !== productId)
        : lines.map((l) => (l.product_id === productId ? { ...l, quantity: q } : l)),
    );
  },
  clear(): void {
    write([]);
  },
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

export const useCart = (): CartLine[] =>
  useSyncExternalStore(cart.subscribe, cart.lines, cart.lines);

export const cartTotal = (ls: CartLine[]): number =>
  ls.reduce((n, l) => n + l.price * l.quantity, 0);
