import { call, enc, type ServiceTransport } from './transport.ts';

/** Where a member can be reached, as identity knows it now. */
export interface MemberContact {
  id: string;
  username: string;
  email: string;
  full_name: string | null;
  phone: string | null;
  role: 'member' | 'admin';
}

/**
 * A single-use token minted when the mail is about to be sent, with the address it goes to.
 * Each call replaces the request's previous token (only the newest mailed link works).
 */
export interface TokenDelivery {
  member_id: string;
  /** The member's e-mail (reset) or the new address to confirm (e-mail change). */
  email: string;
  token: string;
  expires_at: string;
}

/**
 * Identity for other services (notifications). `contact` is null for a member that does not
 * exist or was deleted (404). The deliveries are service-only (403 otherwise) and null when the
 * request is used, expired or unknown (410/404): nothing to send any more.
 */
export interface IdentityClient {
  contact(memberId: string): Promise<MemberContact | null>;
  resetDelivery(requestId: string): Promise<TokenDelivery | null>;
  emailChangeDelivery(requestId: string): Promise<TokenDelivery | null>;
}

/** 404 and 410 mean "nothing there"; anything else non-2xx throws ServiceProblem. */
async function orNull<T>(t: ServiceTransport, req: Parameters<ServiceTransport>[0]) {
  const res = await t(req);
  if (res.status === 404 || res.status === 410) return null;
  return call<T>('identity', () => Promise.resolve(res), req);
}

export function identityClient(t: ServiceTransport): IdentityClient {
  return {
    contact: (id) => orNull(t, { method: 'GET', path: `/api/users/${enc(id)}` }),
    resetDelivery: (id) =>
      orNull(t, {
        method: 'POST',
        path: `/api/users/password-reset/${enc(id)}/delivery`,
        body: {},
      }),
    emailChangeDelivery: (id) =>
      orNull(t, { method: 'POST', path: `/api/users/email-change/${enc(id)}/delivery`, body: {} }),
  };
}
