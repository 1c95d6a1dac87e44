/**
 * packages/web-config-server/src/apiV1/index.js of Tupaia (mid 2021), cut to a few routes.
 * The response cache on /organisationUnit is gone.
 */

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
  api.get('/organisationUnit', handleWith(OrganisationUnitHandler));
  api.get('/organisationUnitSearch', handleWith(OrgUnitSearchHandler));
  api.get('/dashboard', handleWith(DashboardHandler));

  return api;
};
