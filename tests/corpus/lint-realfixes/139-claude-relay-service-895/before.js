// Relay service: one instance for the process. handleMessagesRequest runs for
// every /v1/messages call; requests often carry base64 images (hundreds of KB),
// and a streamed answer can stay open for minutes.
const https = require('https')

class ClaudeRelayService {
  relayStreamRequestWithUsageCapture(body, apiKey, clientRes, headers, usageCallback) {
    const bodyString = JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const upstream = https.request({ method: 'POST', path: '/v1/messages', headers }, (res) => {
        const usage = []
        // lives as long as the upstream stream, and holds the whole request body
        res.on('data', (chunk) => { // leak: closure-capture
          clientRes.write(chunk)
          usage.push({ model: body.model, size: chunk.length })
        })
        res.on('end', () => {
          usageCallback({ model: body.model, events: usage.length })
          resolve()
        })
      })
      upstream.on('error', reject)
      upstream.write(bodyString)
      upstream.end()
    })
  }
}

const claudeRelayService = new ClaudeRelayService()

async function handleMessagesRequest(req, res, apiKeyService) {
  await claudeRelayService.relayStreamRequestWithUsageCapture(
    req.body,
    req.apiKey,
    res,
    req.headers,
    // only needs the key id and rate-limit info, but closes over the whole req
    (usageData) => { // leak: closure-capture
      apiKeyService.recordUsage(req.apiKey.id, usageData).catch(() => {})
      apiKeyService.queueRateLimitUpdate(req.rateLimitInfo, usageData)
    }
  )
}

module.exports = { handleMessagesRequest, claudeRelayService }
