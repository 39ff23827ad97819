import { z } from 'zod';
import type { Services } from '../../../services';
import { presentGig } from '../presenters';
import { defineRoute, type ApiRoute } from '../route';
import { DEFAULT_PAGE, createGigBody, gigQuery, gigSchema, idParams } from '../schemas';

const tags = ['catalogue'];

/** Step 1 of the guide: browse teachers and gigs; teachers offer gigs (R2 currencies). */
export function catalogueRoutes(services: Services): ApiRoute[] {
  const { marketplace, people } = services;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/gigs/',
      operationId: 'listGigs',
      summary: 'List active gigs',
      description: 'Newest first; `?language=` (any case) and `?teacher=<id>` filter.',
      tags,
      access: 'signed-in',
      query: gigQuery,
      responses: { 200: z.array(gigSchema) },
    }).handle(async ({ query }) => {
      const gigs = await marketplace.catalogue({
        language: query.language || undefined,
        teacherId: query.teacher,
        beforeId: query.before,
        limit: query.limit ?? DEFAULT_PAGE,
      });
      return { status: 200, body: gigs.map(presentGig) };
    }),

    defineRoute({
      method: 'GET',
      path: '/api/gigs/{id}/',
      operationId: 'getGig',
      summary: 'One gig',
      tags,
      access: 'signed-in',
      params: idParams,
      responses: { 200: gigSchema },
    }).handle(async ({ params }) => ({ status: 200, body: presentGig(await marketplace.gig(params.id)) })),

    defineRoute({
      method: 'POST',
      path: '/api/gigs/',
      operationId: 'createGig',
      summary: 'Offer a gig',
      tags,
      access: 'teacher',
      body: createGigBody,
      responses: { 201: gigSchema },
      problems: { rename: { hourlyRateMinor: 'hourly_rate_cents', teacherId: 'teacher' } },
    }).handle(async ({ actor, body }) => {
      const gig = await people.createGig.run(actor, {
        teacherId: actor.id,
        title: body.title,
        language: body.language,
        hourlyRateMinor: body.hourly_rate_cents,
        currency: body.currency,
      });
      return { status: 201, body: presentGig(await marketplace.gig(gig.id)) };
    }),
  ];
}
