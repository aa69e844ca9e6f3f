import { useEffect, useRef, type RefObject } from 'react';
import { loadStripe, type StripeCardElement } from '@stripe/stripe-js';

export interface CardSource {
  /** A PaymentMethod id (pm_…) for the order's `payment.token`. */
  token(): Promise<string>;
}

/**
 * Stripe Elements' card field (loaded only when STRIPE_PUBLISHABLE_KEY is set, in its own
 * chunk): the card number goes from Stripe's iframe to Stripe, never to this server.
 */
export default function StripeCard(props: {
  publishableKey: string;
  sourceRef: RefObject<CardSource | null>;
}) {
  const mount = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let card: StripeCardElement | undefined;
    let cancelled = false;
    void loadStripe(props.publishableKey).then((stripe) => {
      if (!stripe || cancelled || !mount.current) return;
      card = stripe.elements().create('card');
      card.mount(mount.current);
      props.sourceRef.current = {
        async token() {
          const { paymentMethod, error } = await stripe.createPaymentMethod({
            type: 'card',
            card: card!,
          });
          if (error || !paymentMethod)
            throw new Error(error?.message ?? 'The card was not accepted.');
          return paymentMethod.id;
        },
      };
    });
    return () => {
      cancelled = true;
      card?.destroy();
    };
  }, [props.publishableKey, props.sourceRef]);
  return (
    <div className="field">
      <span id="stripe-card-label">Card</span>
      <div ref={mount} className="stripe-card" role="group" aria-labelledby="stripe-card-label" />
    </div>
  );
}
