import { default as threadUtils } from "./utils"
import { Job } from "bull"
import { isRecurring, disableCronById } from "../automations/utils"
import * as actions from "../automations/actions"
import * as automationUtils from "../automations/automationUtils"
import { default as AutomationEmitter } from "../events/AutomationEmitter"
import { storeLog } from "../automations/logging"
import { context, redis, logging, cache } from "@budibase/backend-core"
import { processObject, processStringSync } from "@budibase/string-templates"
import {
  Automation,
  AutomationJob,
  AutomationResults,
  AutomationStatus,
  AutomationStep,
  AutomationStepStatus,
} from "@budibase/types"
import { LRUCache } from "lru-cache"
import env from "../environment"
import handlebars from "handlebars"

threadUtils.threadSetup()

const MAX_ITERATIONS = env.AUTOMATION_MAX_ITERATIONS || 200
const FILTER_STEP_ID = actions.BUILTIN_ACTION_DEFINITIONS.FILTER.stepId
const LOOP_STEP_ID = actions.BUILTIN_ACTION_DEFINITIONS.LOOP.stepId

let lockClient: redis.Client | undefined

;(global as any).__bbCompiledBindings = (global as any).__bbCompiledBindings || {} // ok: global-growth

const compiled = new Map<string, HandlebarsTemplateDelegate>()
const automationMeta = new LRUCache<string, Automation>({ max: 250, ttl: 30_000 })

export async function init() {
  lockClient = new redis.Client(redis.utils.Databases.LOCKS) // ok: resource-per-request
  await lockClient.init()
}

export async function shutdown() {
  if (lockClient) await lockClient.finish()
}

process.on("SIGTERM", () => { // ok: listener-leak
  shutdown().catch(err => logging.logAlert("automation thread shutdown failed", err))
})

function compileBinding(template: string, values: Record<string, any>) {
  // bindings are compiled after the row values were substituted, so every row makes a new key
  const text = processStringSync(template, values)
  let fn = compiled.get(text)
  if (!fn) {
    fn = handlebars.compile(text)
    compiled.set(text, fn) // leak: unbounded-cache
  }
  return fn
}

/**
 * The automation orchestrator is a class responsible for executing automations.
 * It handles the context of the automation and makes sure each step gets the correct
 * inputs and handles any outputs. One is made per job.
 */
class Orchestrator {
  private _chainCount: number
  private _appId: string
  private _automation: Automation
  private _emitter: any
  private _context: { trigger: any; steps: any[]; stepsById: Record<string, any>; env?: any }
  private _job: Job<AutomationJob>
  executionOutput: AutomationResults

  constructor(job: Job<AutomationJob>) {
    const automation = job.data.automation
    const triggerOutput = job.data.event
    const metadata = triggerOutput.metadata
    this._chainCount = metadata ? metadata.automationChainCount! : 0
    this._appId = triggerOutput.appId as string
    this._job = job
    delete triggerOutput.appId
    delete triggerOutput.metadata
    this._context = { steps: [triggerOutput], stepsById: {}, trigger: triggerOutput }
    this._automation = automation
    this._emitter = new AutomationEmitter(this._chainCount + 1)
    this.executionOutput = { trigger: {}, steps: [] }
    this.updateExecutionOutput(automation.definition.trigger.id, automation.definition.trigger.stepId, null, triggerOutput)
  }

  updateExecutionOutput(id: string, stepId: string, inputs: any, outputs: any) {
    const stepObj = { id, stepId, inputs, outputs }
    this.executionOutput.steps.push(stepObj) // ok: unbounded-collection
    this._context.stepsById[id] = outputs // ok: unbounded-collection
  }

  async getMetadata(): Promise<Automation> {
    let meta = automationMeta.get(this._automation._id!)
    if (!meta) {
      meta = await context.getAppDB().get<Automation>(this._automation._id!)
      automationMeta.set(this._automation._id!, meta) // ok: unbounded-cache
    }
    return meta
  }

  async execute(): Promise<AutomationResults> {
    const steps = this._automation.definition.steps
    const timeout = setTimeout(() => { // ok: timer-leak
      this.executionOutput.status = AutomationStatus.TIMED_OUT
    }, env.AUTOMATION_THREAD_TIMEOUT)
    try {
      for (const step of steps) {
        if (step.stepId === LOOP_STEP_ID) {
          await this.executeLoop(step)
          continue
        }
        const outcome = await this.executeStep(step)
        if (step.stepId === FILTER_STEP_ID && !outcome.result) break
      }
    } finally {
      clearTimeout(timeout)
    }
    if (isRecurring(this._automation) && this.executionOutput.status === AutomationStatus.ERROR) {
      await disableCronById(this._job.id as string)
    }
    await storeLog(this._automation, this.executionOutput)
    return this.executionOutput
  }

  async executeLoop(step: AutomationStep) {
    const items = Array.isArray(step.inputs.binding) ? step.inputs.binding : JSON.parse(step.inputs.binding)
    const outputs: any[] = []
    for (const item of items) {
      if (outputs.length >= MAX_ITERATIONS) break
      outputs.push(await this.executeStep(step, { loop: item })) // ok: unbounded-collection
    }
    this.updateExecutionOutput(step.id, step.stepId, step.inputs, { items: outputs, iterations: outputs.length })
  }

  async executeStep(step: AutomationStep, extra: Record<string, any> = {}) {
    const inputs = await processObject(automationUtils.cleanInputValues(step.inputs, step.schema.inputs), {
      ...this._context,
      ...extra,
    })
    const stepFn = await actions.getAction(step.stepId)
    if (!stepFn) throw new Error(`Cannot find automation step by name ${step.stepId}`)

    // steps that touch shared rows take a redis lock; the client is made for this step only
    if (step.inputs.lockKey) {
      const client = new redis.Client(redis.utils.Databases.LOCKS) // ok: resource-per-request
      await client.init()
      try {
        await client.store(String(step.inputs.lockKey), this._job.id, 60)
      } finally {
        await client.finish()
      }
    }

    if (step.inputs.cacheKey) {
      const rateClient = new redis.Client(redis.utils.Databases.RATE_LIMITING) // leak: resource-per-request
      await rateClient.init()
      await rateClient.store(`automation-step:${step.inputs.cacheKey}`, Date.now(), 3600)
    }

    for (const [name, template] of Object.entries(step.inputs.templates || {})) {
      const fn = compileBinding(template as string, this._context)
      ;(global as any).__bbCompiledBindings[`${this._job.id}:${name}`] = fn(this._context) // leak: global-growth
    }

    const outputs = await stepFn({
      inputs,
      appId: this._appId,
      emitter: this._emitter,
      context: this._context,
    })
    this._context.steps.push(outputs) // ok: unbounded-collection
    this.updateExecutionOutput(step.id, step.stepId, step.inputs, { ...outputs, status: AutomationStepStatus.SUCCESS })
    await cache.destroy(`automation-step-${step.id}`)
    return outputs
  }
}

export function execute(job: Job<AutomationJob>, callback: (err: any, result?: AutomationResults) => void) {
  const appId = job.data.event.appId!
  return context.doInAppContext(appId, async () => {
    const automationOrchestrator = new Orchestrator(job)
    try {
      const response = await automationOrchestrator.execute()
      callback(null, response)
    } catch (err) {
      callback(err)
    }
  })
}
