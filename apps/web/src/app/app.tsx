import { lazy, Suspense } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router';
import { ApiError } from '../api/problem.ts';
import { Loading } from '../components/problem-message.tsx';
import { Layout } from './layout.tsx';
import { ProductListPage } from '../storefront/product-list-page.tsx';
import { ProductPage } from '../storefront/product-page.tsx';
import { CartPage } from '../storefront/cart-page.tsx';
import { SignInPage } from '../member/sign-in-page.tsx';
import { SignUpPage } from '../member/sign-up-page.tsx';
import { NotFoundPage } from './not-found-page.tsx';

// Pages a first visit to the storefront does not need load on demand (own chunks).
const CheckoutPage = lazy(() => import('../storefront/checkout-page.tsx'));
const OrderPage = lazy(() => import('../storefront/order-page.tsx'));
const OrdersPage = lazy(() => import('../member/orders-page.tsx'));
const AccountPage = lazy(() => import('../member/account-page.tsx'));
const ForgotPasswordPage = lazy(() => import('../member/forgot-password-page.tsx'));
const ResetPasswordPage = lazy(() => import('../member/reset-password-page.tsx'));
const DropsPage = lazy(() => import('../drops/drops-page.tsx'));
const DropPage = lazy(() => import('../drops/drop-page.tsx'));
const AdminRoutes = lazy(() => import('../admin/admin-routes.tsx'));

/** Client errors are final; retry only what may pass on a second try (network, 5xx, 429). */
const retryable = (failures: number, error: unknown): boolean =>
  failures < 2 &&
  (!(error instanceof ApiError) ||
    error.status === 0 ||
    error.status >= 500 ||
    error.status === 429);

export const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: retryable, staleTime: 10_000 } },
});

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Layout>
          <Suspense fallback={<Loading what="the page" />}>
            <Routes>
              <Route path="/" element={<ProductListPage />} />
              <Route path="/products/:id" element={<ProductPage />} />
              <Route path="/cart" element={<CartPage />} />
              <Route path="/checkout" element={<CheckoutPage />} />
              <Route path="/orders" element={<OrdersPage />} />
              <Route path="/orders/:id" element={<OrderPage />} />
              <Route path="/account" element={<AccountPage />} />
              <Route path="/sign-in" element={<SignInPage />} />
              <Route path="/sign-up" element={<SignUpPage />} />
              <Route path="/forgot-password" element={<ForgotPasswordPage />} />
              <Route path="/reset-password" element={<ResetPasswordPage />} />
              <Route path="/drops" element={<DropsPage />} />
              <Route path="/drops/:id" element={<DropPage />} />
              <Route path="/admin/*" element={<AdminRoutes />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        </Layout>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
