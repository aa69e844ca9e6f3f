import type { Locale, TemplateName } from './kinds.ts';

/**
 * What each message says, per language. `{name}`-style placeholders are filled by render.ts
 * (values escaped for HTML there); every template can use `{name}` and `{link}`.
 */
export interface TemplateStrings {
  subject: string;
  heading: string;
  lines: readonly string[];
  /** The button (HTML) and the line before the link (text). */
  action: string;
  sms: string;
  pushTitle: string;
  pushBody: string;
}

export interface FooterStrings {
  transactional: string;
  marketing: string;
  unsubscribe: string;
}

type Catalog = Record<TemplateName, TemplateStrings>;

const en: Catalog = {
  password_reset: {
    subject: 'Reset your Redemption password',
    heading: 'Reset your password',
    lines: [
      'Hello {name},',
      'Someone (we hope you) asked to reset the password of your Redemption account. The link works once, until {expires}.',
      'If it was not you, ignore this e-mail: your password stays as it is.',
    ],
    action: 'Choose a new password',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  email_change: {
    subject: 'Confirm your new e-mail address',
    heading: 'Confirm your new address',
    lines: [
      'Hello {name},',
      'Confirm that this is the new e-mail address of your Redemption account. The link works once, until {expires}.',
    ],
    action: 'Confirm this address',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  welcome: {
    subject: 'Welcome to Redemption',
    heading: 'Welcome, {name}',
    lines: [
      'Your account is open. Earn points on every stay and order, and spend them on rewards.',
    ],
    action: 'Browse rewards',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  order_confirmation: {
    subject: 'Order {order} is confirmed',
    heading: 'Thank you for your order',
    lines: ['Hello {name},', 'Order {order} is confirmed: {total}.'],
    action: 'See your order',
    sms: 'Redemption: order {order} is confirmed ({total}).',
    pushTitle: 'Order confirmed',
    pushBody: 'Order {order}: {total}',
  },
  payment_receipt: {
    subject: 'Receipt for order {order}',
    heading: 'Payment received',
    lines: [
      'Hello {name},',
      'We received {amount} for order {order}. Payment reference: {payment}.',
    ],
    action: 'See your order',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  payment_failed: {
    subject: 'Payment for order {order} did not go through',
    heading: 'Your payment did not go through',
    lines: [
      'Hello {name},',
      'The payment of {amount} for order {order} was not accepted ({reason}). Nothing was charged.',
    ],
    action: 'Try again',
    sms: 'Redemption: the payment for order {order} did not go through ({reason}).',
    pushTitle: 'Payment not accepted',
    pushBody: 'Order {order}: {reason}',
  },
  order_shipped: {
    subject: 'Order {order} is on its way',
    heading: 'Your order is on its way',
    lines: ['Hello {name},', 'Order {order} has shipped.'],
    action: 'Track your order',
    sms: 'Redemption: order {order} has shipped.',
    pushTitle: 'Order shipped',
    pushBody: 'Order {order} is on its way',
  },
  order_delivered: {
    subject: 'Order {order} was delivered',
    heading: 'Delivered',
    lines: ['Hello {name},', 'Order {order} was delivered. Enjoy!'],
    action: 'See your order',
    sms: 'Redemption: order {order} was delivered.',
    pushTitle: 'Order delivered',
    pushBody: 'Order {order} was delivered',
  },
  refund: {
    subject: 'Refund for order {order}',
    heading: 'Your refund is on its way',
    lines: [
      'Hello {name},',
      'We refunded {amount} for order {order}. It reaches your card within a few days.',
    ],
    action: 'See your order',
    sms: 'Redemption: {amount} refunded for order {order}.',
    pushTitle: 'Refund issued',
    pushBody: '{amount} for order {order}',
  },
  points_earned: {
    subject: 'You earned {points} points',
    heading: '{points} points for you',
    lines: ['Hello {name},', '{points} points are now in your account, ready to spend.'],
    action: 'See your points',
    sms: 'Redemption: you earned {points} points.',
    pushTitle: 'Points earned',
    pushBody: '{points} points are in your account',
  },
  points_expiring: {
    subject: '{points} points expire on {date}',
    heading: 'Your points expire soon',
    lines: ['Hello {name},', '{points} of your points expire on {date}. Spend them before then.'],
    action: 'Spend your points',
    sms: 'Redemption: {points} points expire on {date}.',
    pushTitle: 'Points expire soon',
    pushBody: '{points} points expire on {date}',
  },
  drop_opening: {
    subject: '{drop} opens at {time}',
    heading: '{drop} opens soon',
    lines: ['Hello {name},', '{drop} opens at {time}, for {points} points, while stock lasts.'],
    action: 'See the drop',
    sms: 'Redemption: {drop} opens at {time}.',
    pushTitle: 'Drop opens soon',
    pushBody: '{drop} opens at {time}',
  },
};

const fr: Catalog = {
  password_reset: {
    subject: 'Réinitialisez votre mot de passe Redemption',
    heading: 'Réinitialisez votre mot de passe',
    lines: [
      'Bonjour {name},',
      "Quelqu'un (vous, nous l'espérons) a demandé à réinitialiser le mot de passe de votre compte Redemption. Le lien sert une fois, jusqu'au {expires}.",
      "Si ce n'était pas vous, ignorez cet e-mail : votre mot de passe ne change pas.",
    ],
    action: 'Choisir un nouveau mot de passe',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  email_change: {
    subject: 'Confirmez votre nouvelle adresse e-mail',
    heading: 'Confirmez votre nouvelle adresse',
    lines: [
      'Bonjour {name},',
      "Confirmez que c'est la nouvelle adresse de votre compte Redemption. Le lien sert une fois, jusqu'au {expires}.",
    ],
    action: 'Confirmer cette adresse',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  welcome: {
    subject: 'Bienvenue chez Redemption',
    heading: 'Bienvenue, {name}',
    lines: [
      'Votre compte est ouvert. Gagnez des points à chaque séjour et commande, et échangez-les contre des récompenses.',
    ],
    action: 'Voir les récompenses',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  order_confirmation: {
    subject: 'La commande {order} est confirmée',
    heading: 'Merci pour votre commande',
    lines: ['Bonjour {name},', 'La commande {order} est confirmée : {total}.'],
    action: 'Voir la commande',
    sms: 'Redemption : commande {order} confirmée ({total}).',
    pushTitle: 'Commande confirmée',
    pushBody: 'Commande {order} : {total}',
  },
  payment_receipt: {
    subject: 'Reçu pour la commande {order}',
    heading: 'Paiement reçu',
    lines: [
      'Bonjour {name},',
      'Nous avons reçu {amount} pour la commande {order}. Référence du paiement : {payment}.',
    ],
    action: 'Voir la commande',
    sms: '',
    pushTitle: '',
    pushBody: '',
  },
  payment_failed: {
    subject: "Le paiement de la commande {order} n'a pas abouti",
    heading: "Votre paiement n'a pas abouti",
    lines: [
      'Bonjour {name},',
      "Le paiement de {amount} pour la commande {order} n'a pas été accepté ({reason}). Rien n'a été débité.",
    ],
    action: 'Réessayer',
    sms: "Redemption : le paiement de la commande {order} n'a pas abouti ({reason}).",
    pushTitle: 'Paiement refusé',
    pushBody: 'Commande {order} : {reason}',
  },
  order_shipped: {
    subject: 'La commande {order} est en route',
    heading: 'Votre commande est en route',
    lines: ['Bonjour {name},', 'La commande {order} a été expédiée.'],
    action: 'Suivre la commande',
    sms: 'Redemption : commande {order} expédiée.',
    pushTitle: 'Commande expédiée',
    pushBody: 'La commande {order} est en route',
  },
  order_delivered: {
    subject: 'La commande {order} a été livrée',
    heading: 'Livrée',
    lines: ['Bonjour {name},', 'La commande {order} a été livrée. Profitez-en !'],
    action: 'Voir la commande',
    sms: 'Redemption : commande {order} livrée.',
    pushTitle: 'Commande livrée',
    pushBody: 'La commande {order} a été livrée',
  },
  refund: {
    subject: 'Remboursement de la commande {order}',
    heading: 'Votre remboursement est en route',
    lines: [
      'Bonjour {name},',
      'Nous avons remboursé {amount} pour la commande {order}. Il arrive sur votre carte sous quelques jours.',
    ],
    action: 'Voir la commande',
    sms: 'Redemption : {amount} remboursés pour la commande {order}.',
    pushTitle: 'Remboursement effectué',
    pushBody: '{amount} pour la commande {order}',
  },
  points_earned: {
    subject: 'Vous avez gagné {points} points',
    heading: '{points} points pour vous',
    lines: ['Bonjour {name},', '{points} points sont sur votre compte, prêts à être utilisés.'],
    action: 'Voir vos points',
    sms: 'Redemption : vous avez gagné {points} points.',
    pushTitle: 'Points gagnés',
    pushBody: '{points} points sur votre compte',
  },
  points_expiring: {
    subject: '{points} points expirent le {date}',
    heading: 'Vos points expirent bientôt',
    lines: [
      'Bonjour {name},',
      '{points} de vos points expirent le {date}. Utilisez-les avant cette date.',
    ],
    action: 'Utiliser vos points',
    sms: 'Redemption : {points} points expirent le {date}.',
    pushTitle: 'Points bientôt expirés',
    pushBody: '{points} points expirent le {date}',
  },
  drop_opening: {
    subject: '{drop} ouvre à {time}',
    heading: '{drop} ouvre bientôt',
    lines: [
      'Bonjour {name},',
      '{drop} ouvre à {time}, pour {points} points, dans la limite du stock.',
    ],
    action: 'Voir la vente',
    sms: 'Redemption : {drop} ouvre à {time}.',
    pushTitle: 'Vente bientôt ouverte',
    pushBody: '{drop} ouvre à {time}',
  },
};

export const catalogs: Readonly<Record<Locale, Catalog>> = { en, fr };

export const footers: Readonly<Record<Locale, FooterStrings>> = {
  en: {
    transactional: 'You get this message because of your Redemption account.',
    marketing: 'You get this message because you asked for news of drops.',
    unsubscribe: 'Unsubscribe',
  },
  fr: {
    transactional: 'Vous recevez ce message en raison de votre compte Redemption.',
    marketing: 'Vous recevez ce message car vous avez demandé des nouvelles des ventes.',
    unsubscribe: 'Se désabonner',
  },
};
