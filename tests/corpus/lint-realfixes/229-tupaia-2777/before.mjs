/**
 * packages/web-config-server/src/apiV1/index.js of Tupaia (mid 2021), cut to a few routes.
 * apicache keeps each response in an in-process store keyed by the request URL, query
 * string included, until the configured period runs out; Tupaia's web frontend adds a
 * cache-breaker parameter to its requests, so each URL it asks for is new.
 */

import apicache from 'apicache';
import { Router } from 'express';

import { login, logout } from '/authSession';
import OrgUnitSearchHandler from './organisationUnitSearch';
import OrganisationUnitHandler from './organisationUnit';
import DashboardHandler from './dashboard';

/**
 * Async routes are wrapped so that a rejected promise reaches next() and the error
 * middleware, instead of being swallowed.
 */
const catchAsyncErrors = routeHandler => (req, res, next) => {
  const returnValue = routeHandler(req, res, next);
  if (returnValue && returnValue.catch) {
    returnValue.catch(next);
  }
};

const handleWith = Handler =>
  catchAsyncErrors((...params) => new Handler(...params).handleRequest());

export const getRoutesForApiV1 = () => {
  const api = Router();
  api.post('/login', catchAsyncErrors(login));
  api.get('/logout', catchAsyncErrors(logout));
  api.get(
    '/organisationUnit',
    apicache.middleware(process.env.ORGANISATION_UNIT_CACHE_PERIOD), // leak: unbounded-cache
    handleWith(OrganisationUnitHandler),
  );
  api.get('/organisationUnitSearch', handleWith(OrgUnitSearchHandler));
  api.get('/dashboard', handleWith(DashboardHandler));

  return api;
};
