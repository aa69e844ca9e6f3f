import { useEffect, useRef, type ReactNode } from 'react';
import { Link, NavLink, useLocation } from 'react-router';
import { useSession } from '../auth/use-session.ts';
import { useCart } from '../cart/cart-store.ts';

/** Header with navigation, a skip link and the page in a <main> landmark. */
export function Layout({ children }: { children: ReactNode }) {
  const s = useSession();
  const lines = useCart();
  const count = lines.reduce((n, l) => n + l.quantity, 0);
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // A client-side page change moves focus to the new page's content, as a full load would,
  // so keyboard and screen-reader users start at the top of what changed.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Redemption
        </Link>
        <nav aria-label="Main">
          <ul className="nav-list">
            <li>
              <NavLink to="/" end>
                Rewards
              </NavLink>
            </li>
            <li>
              <NavLink to="/drops">Flash sales</NavLink>
            </li>
            <li>
              <NavLink to="/cart">
                Cart{' '}
                <span className="badge">
                  {count}
                  <span className="visually-hidden"> items</span>
                </span>
              </NavLink>
            </li>
            {s.status === 'signed-in' ? (
              <>
                <li>
                  <NavLink to="/orders">Orders</NavLink>
                </li>
                <li>
                  <NavLink to="/account">Account</NavLink>
                </li>
                {s.user?.role === 'admin' && (
                  <li>
                    <NavLink to="/admin">Admin</NavLink>
                  </li>
                )}
              </>
            ) : (
              <li>
                <NavLink to="/sign-in">Sign in</NavLink>
              </li>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        {children}
      </main>
      <footer className="site-footer">
        <p>
          Redemption demo shop · <a href="/api/docs">API</a> · <a href="/status">Status</a>
        </p>
      </footer>
    </>
  );
}
