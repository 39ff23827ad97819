import type { Services } from '../../../services';
import { ACCESS_TOKEN_TTL_SECONDS } from '../../../services/accounts';
import { invalidInput } from '../errors';
import { presentUser } from '../presenters';
import { defineRoute, type ApiRoute } from '../route';
import { loginBody, refreshTokenBody, refreshedSchema, registerBody, registeredSchema, tokensSchema } from '../schemas';

const tags = ['accounts'];

/** Registration, sign-in, token refresh (rotating, with reuse detection) and sign-out (R50). */
export function accountRoutes(services: Services): ApiRoute[] {
  const { accounts } = services;
  return [
    defineRoute({
      method: 'POST',
      path: '/api/register/',
      operationId: 'register',
      summary: 'Register as a student or a teacher',
      tags,
      access: 'public',
      body: registerBody,
      responses: { 201: registeredSchema },
      errors: [429],
      // Two registrations of one email at once: the database's unique index refuses the second.
    }).handle(
      async ({ body, ip }) => {
        const teacher = body.role === 'TEACHER';
        const user = await accounts.register(
          {
            email: body.email,
            password: body.password,
            fullName: body.full_name,
            role: body.role,
            timezone: body.timezone ?? 'UTC',
            bio: teacher ? body.bio : undefined,
            qualifications: teacher ? body.qualifications : undefined,
            yearsOfExperience: teacher ? (body.years_of_experience ?? undefined) : undefined,
          },
          ip,
        );
        return {
          status: 201,
          body: { message: 'Registered. Sign in with your email and password.', user: presentUser(user) },
        };
      },
      { mapError: (error) => (error.code === 'CONFLICT' ? invalidInput({ email: ['is already registered'] }) : null) },
    ),

    defineRoute({
      method: 'POST',
      path: '/api/login/',
      operationId: 'login',
      summary: 'Sign in',
      description: 'A wrong email and a wrong password get the same 401.',
      tags,
      access: 'public',
      body: loginBody,
      responses: { 200: tokensSchema },
      errors: [401, 429],
    }).handle(async ({ body, ip }) => {
      const signedIn = await accounts.login(body.email, body.password, ip);
      return {
        status: 200,
        body: {
          access_token: signedIn.accessToken,
          refresh_token: signedIn.refreshToken,
          token_type: 'Bearer',
          expires_in: signedIn.expiresIn,
          user: presentUser(signedIn.user),
        },
      };
    }),

    defineRoute({
      method: 'POST',
      path: '/api/token/refresh/',
      operationId: 'refreshToken',
      summary: 'Exchange a refresh token for new tokens',
      description:
        `Each refresh token works once (rotation); presenting a used one again ends that sign-in's whole chain ` +
        `(reuse detection). Access tokens last ${ACCESS_TOKEN_TTL_SECONDS / 60} minutes.`,
      tags,
      access: 'public',
      body: refreshTokenBody,
      responses: { 200: refreshedSchema },
      errors: [401, 429],
    }).handle(async ({ body, ip }) => {
      const pair = await accounts.refresh(body.refresh_token, ip);
      return { status: 200, body: { access_token: pair.accessToken, refresh_token: pair.refreshToken } };
    }),

    defineRoute({
      method: 'POST',
      path: '/api/logout/',
      operationId: 'logout',
      summary: 'Sign out',
      description: 'Ends the sign-in: its refresh tokens and access tokens stop working on every host.',
      tags,
      access: 'signed-in',
      body: refreshTokenBody,
      responses: { 204: null },
    }).handle(async ({ body, actor }) => {
      await accounts.logout(actor, body.refresh_token);
      return { status: 204, body: undefined };
    }),
  ];
}
