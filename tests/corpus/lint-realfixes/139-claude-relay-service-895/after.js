// Relay service: one instance for the process. handleMessagesRequest runs for
// every /v1/messages call; requests often carry base64 images (hundreds of KB),
// and a streamed answer can stay open for minutes.
const https = require('https')

class ClaudeRelayService {
  relayStreamRequestWithUsageCapture(body, apiKey, clientRes, headers, usageCallback) {
    let bodyString = JSON.stringify(body)
    // the closures below only see the small values they need
    const requestedModel = (body && body.model) || 'unknown'
    return new Promise((resolve, reject) => {
      const upstream = https.request({ method: 'POST', path: '/v1/messages', headers }, (res) => {
        const usage = []
        res.on('data', (chunk) => {
          clientRes.write(chunk)
          usage.push({ model: requestedModel, size: chunk.length })
        })
        res.on('end', () => {
          usageCallback({ model: requestedModel, events: usage.length })
          resolve()
        })
      })
      upstream.on('error', reject)
      upstream.write(bodyString)
      bodyString = null
      upstream.end()
    })
  }
}

const claudeRelayService = new ClaudeRelayService()

async function handleMessagesRequest(req, res, apiKeyService) {
  // extract what the callback needs so it does not capture req
  const apiKeyId = req.apiKey.id
  const rateLimitInfo = req.rateLimitInfo
  await claudeRelayService.relayStreamRequestWithUsageCapture(
    req.body,
    req.apiKey,
    res,
    req.headers,
    (usageData) => {
      apiKeyService.recordUsage(apiKeyId, usageData).catch(() => {})
      apiKeyService.queueRateLimitUpdate(rateLimitInfo, usageData)
    }
  )
}

module.exports = { handleMessagesRequest, claudeRelayService }
