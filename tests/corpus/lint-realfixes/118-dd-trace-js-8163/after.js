'use strict'

const { LRUCache } = require('lru-cache')
const web = require('../plugins/util/web')

// AppSec blocking: remembers which endpoints serve GraphQL so a blocked
// request there gets a GraphQL-shaped body. The tracer lives for the process.
const SPECIFIC_ENDPOINT_CACHE_MAX = 16_384
const detectedSpecificEndpoints = new LRUCache({ max: SPECIFIC_ENDPOINT_CACHE_MAX })

const specificBlockingTypes = {
  GRAPHQL: 'graphqlJson',
}

// keyed by the resolved route, or the path without its query string
function getSpecificKey (req) {
  const route = web.getContext(req)?.paths?.join('')
  if (route) return `${req.method}+${route}`

  const url = req.originalUrl || req.url || ''
  const queryStart = url.indexOf('?')
  return `${req.method}+${queryStart === -1 ? url : url.slice(0, queryStart)}`
}

function addSpecificEndpoint (req, type) {
  detectedSpecificEndpoints.set(getSpecificKey(req), type)
}

function getBlockingType (req, specificType) {
  return specificType || detectedSpecificEndpoints.get(getSpecificKey(req))
}

// subscribed to the Apollo request channel: runs on every GraphQL request
function enterInApolloRequest (req, requestData) {
  if (requestData) {
    requestData.isInGraphqlRequest = true
    addSpecificEndpoint(req, specificBlockingTypes.GRAPHQL)
  }
}

module.exports = { enterInApolloRequest, getBlockingType }
