// nodes/kasa.js of node-red-contrib-tplink (v1.0.0-alpha.0), cut to device setup and
// cleanup. Node-RED builds a new node object from this constructor on every deploy and
// emits 'close' on the old one.
module.exports = function (RED) {
  'use strict'
  const { Client } = require('tplink-smarthome-api')

  function TpLinkNode(config) {
    RED.nodes.createNode(this, config)
    this.config = {
      name: config.name,
      deviceId: config.device,
      interval: parseInt(config.interval),
      eventInterval: parseInt(config.eventInterval),
      debug: config.debug
    }

    // Only one client instance used per node
    const client = new Client({
      logLevel: config.debug ? 'debug' : 'warn',
      defaultSendOptions: {
        transport: 'tcp',
        timeout: this.config.eventInterval || 30000
      }
    })

    const node = this
    node.client = client
    // devices of this node by short id (<IP> or <IP>/<PLUG>); a placeholder
    // { placeholder: true, queue } until the connection is made
    node.devices = new Map()

    node.connectDevice = async function (id) {
      if (!node.devices.has(id)) return

      let shellDevice = node.devices.get(id)
      if (!shellDevice.placeholder) return shellDevice
      shellDevice.connecting = true

      let [deviceIP, plug] = id.split('/')
      let options = { host: deviceIP }
      if (plug) options.childId = plug

      try {
        let device = await client.getDevice(options)
        await device.getInfo()
        node.setupDevice(id, device)
        return device
      } catch (err) {
        shellDevice.connecting = false
        if (node.config.debug) node.error(`Error connecting to device ${id}: ${err}`)
        return
      }
    }

    node.setupDevice = function (id, device) {
      device.shortId = id
      device.events = []
      device.online = true

      if (node.config.eventInterval) {
        device.on('power-update', powerOn => node.send({ topic: id, payload: { powerOn } }))
        device.startPolling(node.config.eventInterval)
      }

      let queue = node.devices.has(id) && node.devices.get(id).queue
      node.devices.set(id, device)
      if (queue) queue.forEach(msg => node.processInput(msg, device))

      return device
    }

    if (node.config.interval)
      client.startDiscovery({
        discoveryInterval: node.config.interval,
        offlineTolerance: 1,
        breakoutChildren: false
      })

    node.on('input', function (msg) {
      let shortId = msg.topic || node.config.deviceId
      if (!shortId) return

      if (node.devices.has(shortId)) {
        let device = node.devices.get(shortId)
        if (device.placeholder) {
          device.queue.push(msg)
        } else {
          node.processInput(msg, device)
        }
      } else {
        node.devices.set(shortId, { placeholder: true, queue: [msg] })
        node.connectDevice(shortId)
      }
    })

    node.processInput = function (msg, device) {
      return device.setPowerState(!!msg.payload)
    }

    if (this.config.deviceId) {
      node.devices.set(this.config.deviceId, { placeholder: true, queue: [] })
      node.connectDevice(this.config.deviceId)
    }

    // Cleanup when node destroyed
    node.on('close', function () {
      // nothing here may throw, or the rest of the cleanup is skipped
      node.devices.forEach(device => {
        device.stopPolling && device.stopPolling()
        device.closeConnection && device.closeConnection()
      })
      node.client.stopDiscovery()
    })
  }

  RED.nodes.registerType('kasa', TpLinkNode)
}
