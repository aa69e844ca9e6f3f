import { NavLink, Route, Routes } from 'react-router';
import { usePageTitle } from '../app/use-page-title.ts';
import { RequireSignIn } from '../auth/require-sign-in.tsx';
import { DashboardPage } from './dashboard-page.tsx';
import { DeadLettersPage } from './dead-letters-page.tsx';
import { DropsAdminPage } from './drops-admin-page.tsx';
import { MailboxPage } from './mailbox-page.tsx';
import { MembersAdminPage } from './members-admin-page.tsx';
import { OrdersAdminPage } from './orders-admin-page.tsx';
import { ProductsAdminPage } from './products-admin-page.tsx';

/**
 * The admin console, in its own chunk. A member who opens an admin URL gets this refusal and
 * nothing else: no admin query runs (and the API would refuse it anyway with 403).
 */
export default function AdminRoutes() {
  usePageTitle('Admin');
  return (
    <RequireSignIn>
      {(user) =>
        user.role !== 'admin' ? (
          <section>
            <h1>Admins only</h1>
            <p data-testid="admin-refused">
              This area is for administrators. Your account does not have access.
            </p>
          </section>
        ) : (
          <div className="admin">
            <nav aria-label="Admin" className="admin-nav">
              <ul className="nav-list">
                <li>
                  <NavLink to="/admin" end>
                    Dashboard
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/admin/products">Products</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/orders">Orders</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/members">Members</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/drops">Drops</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/dead-letters">Dead letters</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/mailbox">Mailbox</NavLink>
                </li>
              </ul>
            </nav>
            <Routes>
              <Route index element={<DashboardPage />} />
              <Route path="products" element={<ProductsAdminPage />} />
              <Route path="orders" element={<OrdersAdminPage />} />
              <Route path="members" element={<MembersAdminPage />} />
              <Route path="drops" element={<DropsAdminPage />} />
              <Route path="dead-letters" element={<DeadLettersPage />} />
              <Route path="mailbox" element={<MailboxPage />} />
            </Routes>
          </div>
        )
      }
    </RequireSignIn>
  );
}
