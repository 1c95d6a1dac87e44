import { Context, DAL, IEventBusModuleService, Logger } from "@medusajs/framework/types"
import {
  InjectManager,
  MedusaContext,
  MedusaError,
  MedusaService,
  Modules,
  ContainerRegistrationKeys,
} from "@medusajs/framework/utils"
import {
  createStep,
  createWorkflow,
  StepResponse,
  WorkflowResponse,
} from "@medusajs/framework/workflows-sdk"
import type { MedusaRequest, MedusaResponse, SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import Redis from "ioredis"
import { InventoryHold } from "./models/inventory-hold"

type InjectedDependencies = {
  baseRepository: DAL.RepositoryService
  logger: Logger
  [Modules.EVENT_BUS]: IEventBusModuleService
}

type HoldInput = { cart_id: string; items: { variant_id: string; quantity: number }[]; expires_in?: number }

// ---------------------------------------------------------------------------
// src/modules/inventory-hold/service.ts
// ---------------------------------------------------------------------------
export default class InventoryHoldModuleService extends MedusaService({ InventoryHold }) {
  protected baseRepository_: DAL.RepositoryService
  protected logger_: Logger
  protected eventBus_: IEventBusModuleService
  protected activeHolds_ = new Map<string, HoldInput & { confirmed?: boolean }>()
  protected expiryTimers_ = new Map<string, NodeJS.Timeout>()

  constructor({ baseRepository, logger, [Modules.EVENT_BUS]: eventBus }: InjectedDependencies) {
    // @ts-ignore
    super(...arguments)
    this.baseRepository_ = baseRepository
    this.logger_ = logger
    this.eventBus_ = eventBus
  }

  @InjectManager()
  async placeHold(input: HoldInput, @MedusaContext() sharedContext: Context = {}) {
    if (!input.items.length) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "A hold needs at least one item")
    }
    const created = await this.createInventoryHolds(input.items.map((item) => ({ ...item, cart_id: input.cart_id })), sharedContext)
    this.activeHolds_.set(input.cart_id, input) // leak: unbounded-collection
    const timer = setTimeout(() => void this.releaseHold(input.cart_id), (input.expires_in ?? 900) * 1000) // ok: timer-leak
    timer.unref()
    this.expiryTimers_.set(input.cart_id, timer) // ok: unbounded-collection
    return created
  }

  @InjectManager()
  async confirmHold(cartId: string, @MedusaContext() sharedContext: Context = {}) {
    const hold = this.activeHolds_.get(cartId)
    if (hold) {
      hold.confirmed = true
    }
    clearTimeout(this.expiryTimers_.get(cartId))
    this.expiryTimers_.delete(cartId)
    await this.updateInventoryHolds({ selector: { cart_id: cartId }, data: { status: "confirmed" } }, sharedContext)
  }

  @InjectManager()
  async releaseHold(cartId: string, @MedusaContext() sharedContext: Context = {}) {
    clearTimeout(this.expiryTimers_.get(cartId))
    this.expiryTimers_.delete(cartId)
    this.activeHolds_.delete(cartId)
    await this.softDeleteInventoryHolds({ cart_id: cartId }, sharedContext)
  }
}

// ---------------------------------------------------------------------------
// src/workflows/steps/place-hold.ts
// ---------------------------------------------------------------------------
const placeHoldStep = createStep(
  "place-inventory-hold",
  async (input: HoldInput, { container }) => {
    const holdService = container.resolve("inventoryHold") as InventoryHoldModuleService
    const holds = await holdService.placeHold(input)
    return new StepResponse(holds, input.cart_id)
  },
  async (cartId, { container }) => { // ok: closure-capture
    if (!cartId) {
      return
    }
    const holdService = container.resolve("inventoryHold") as InventoryHoldModuleService
    await holdService.releaseHold(cartId)
  }
)

export const placeHoldWorkflow = createWorkflow("place-hold", (input: HoldInput) => {
  const holds = placeHoldStep(input)
  return new WorkflowResponse(holds)
})

// ---------------------------------------------------------------------------
// src/subscribers/order-placed.ts
// ---------------------------------------------------------------------------
export async function orderPlacedHandler({ event: { data }, container }: SubscriberArgs<{ id: string; cart_id: string }>) {
  const eventBus = container.resolve(Modules.EVENT_BUS)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: [order] } = await query.graph({ entity: "order", fields: ["id", "items.*", "shipping_address.*", "customer.*"], filters: { id: data.id } })

  eventBus.subscribe("order.canceled", async ({ data: canceled }: { data: { id: string } }) => { // leak: listener-leak, closure-capture
    if (canceled.id === order.id) {
      await container.resolve("inventoryHold").releaseHold(data.cart_id)
    }
  })
}

export const config: SubscriberConfig = { event: "order.placed" }

// ---------------------------------------------------------------------------
// src/api/store/carts/[id]/hold/route.ts
// ---------------------------------------------------------------------------
const quoteCache: Record<string, { total: number }> = {}

export const POST = async (req: MedusaRequest<{ items: HoldInput["items"] }>, res: MedusaResponse) => {
  const locking = req.scope.resolve(Modules.LOCKING) // ok: resource-per-request
  const { result } = await locking.execute(`cart:${req.params.id}`, async () => placeHoldWorkflow(req.scope).run({ input: { cart_id: req.params.id, items: req.validatedBody.items } }))
  res.json({ holds: result })
}

export const GET = async (req: MedusaRequest, res: MedusaResponse) => {
  const redis = new Redis(process.env.REDIS_URL!) // leak: resource-per-request
  const ttl = await redis.ttl(`cart:${req.params.id}:hold`)
  const key = `${req.params.id}:${req.query.currency_code ?? "usd"}`
  if (!(key in quoteCache)) {
    const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
    const { data: [cart] } = await query.graph({ entity: "cart", fields: ["total"], filters: { id: req.params.id } })
    quoteCache[key] = { total: cart.total } // leak: unbounded-cache
  }
  res.json({ expires_in: ttl, quote: quoteCache[key] })
}

export const DELETE = async (req: MedusaRequest, res: MedusaResponse) => {
  const redis = new Redis(process.env.REDIS_URL!) // ok: resource-per-request
  try {
    await redis.del(`cart:${req.params.id}:hold`)
  } finally {
    redis.disconnect()
  }
  await req.scope.resolve("inventoryHold").releaseHold(req.params.id)
  res.status(204).send()
}
