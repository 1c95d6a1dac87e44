'use strict'

// AppSec blocking: remembers which endpoints serve GraphQL so a blocked
// request there gets a GraphQL-shaped body. The tracer lives for the process.
const detectedSpecificEndpoints = {}

const specificBlockingTypes = {
  GRAPHQL: 'graphqlJson',
}

function getSpecificKey (method, url) {
  return `${method}+${url}`
}

function addSpecificEndpoint (method, url, type) {
  // keyed by the raw URL, query string and all
  detectedSpecificEndpoints[getSpecificKey(method, url)] = type // leak: unbounded-cache
}

function getBlockingType (req, specificType) {
  return specificType || detectedSpecificEndpoints[getSpecificKey(req.method, req.url)]
}

// subscribed to the Apollo request channel: runs on every GraphQL request
function enterInApolloRequest (req, requestData) {
  if (requestData) {
    requestData.isInGraphqlRequest = true
    addSpecificEndpoint(req.method, req.originalUrl || req.url, specificBlockingTypes.GRAPHQL)
  }
}

module.exports = { enterInApolloRequest, getBlockingType }
