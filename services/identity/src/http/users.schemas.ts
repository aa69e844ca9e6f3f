import { DateTime, Nullable, Uuid } from '@redemption/kernel';
import { Type } from 'typebox';
import { limits } from '../domain/user.ts';

const usernamePattern = '^[A-Za-z0-9_.-]+$';
const phonePattern = '^\\+?[0-9 ()-]{3,20}$';
const tokenMaxLength = 512;

export const Email = Type.String({ format: 'email', maxLength: limits.emailLengthMax });
const Password = Type.String({ minLength: 1, maxLength: limits.passwordLengthMax });
const FullName = Type.String({ minLength: 1, maxLength: limits.fullNameLengthMax });
const Phone = Type.String({ pattern: phonePattern, maxLength: limits.phoneLengthMax });
const Address = Type.String({ minLength: 1, maxLength: limits.addressLengthMax });
const OpaqueToken = Type.String({ minLength: 16, maxLength: tokenMaxLength });

export const RegisterBody = Type.Object(
  {
    username: Type.String({
      minLength: limits.usernameLengthMin,
      maxLength: limits.usernameLengthMax,
      pattern: usernamePattern,
    }),
    email: Email,
    password: Password,
    full_name: Type.Optional(FullName),
    phone: Type.Optional(Phone),
    address: Type.Optional(Address),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    /** Username or e-mail. */
    username: Type.String({
      minLength: 1,
      maxLength: limits.emailLengthMax,
      description: 'username or e-mail',
    }),
    password: Password,
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  {
    refresh_token: Type.Optional({
      ...OpaqueToken,
      description: 'required unless sent as the httpOnly cookie (with X-Refresh-Cookie: 1)',
    }),
  },
  { additionalProperties: false },
);

export const UpdateBody = Type.Object(
  {
    email: Type.Optional(Email),
    full_name: Type.Optional(Type.Union([FullName, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    address: Type.Optional(Type.Union([Address, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false });
export const ResetConfirmBody = Type.Object(
  { token: OpaqueToken, new_password: Password },
  { additionalProperties: false },
);

export const EmailChangeConfirmBody = Type.Object(
  { token: OpaqueToken },
  { additionalProperties: false },
);

export const UserIdParams = Type.Object({ id: Uuid });

export const UserView = Type.Object({
  id: Uuid,
  username: Type.String(),
  email: Type.String(),
  full_name: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  address: Nullable(Type.String()),
  role: Type.Union([Type.Literal('member'), Type.Literal('admin')]),
  created_at: DateTime,
  updated_at: DateTime,
});

/** PUT's answer: `email` stays the old one until the new inbox confirms `pending_email`. */
export const UpdatedView = Type.Object({
  ...UserView.properties,
  pending_email: Type.Optional(
    Type.String({ description: 'new e-mail waiting for confirmation from that inbox' }),
  ),
});

export const TokenPairView = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.Optional(
    Type.String({
      description: 'absent when it was set as an httpOnly cookie (X-Refresh-Cookie: 1)',
    }),
  ),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'access token lifetime in seconds' }),
});

export const LoginView = Type.Object({ ...TokenPairView.properties, user: UserView });

/** Most users one admin list returns. */
export const userPageMax = 100;
export const UserListQuery = Type.Object({
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 120, description: 'part of a username or e-mail' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: userPageMax, default: 20 })),
  cursor: Type.Optional(
    Type.String({ format: 'uuid', description: 'next_cursor of the previous page' }),
  ),
});
export const UserPage = Type.Object({
  items: Type.Array(UserView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
