// A global bag reached through a cast, trimmed where it fills.
;(global as any).__lastSeenByTenant = (global as any).__lastSeenByTenant || new Map<string, number>()

export function touchTenant(tenant: string) {
  const seen: Map<string, number> = (global as any).__lastSeenByTenant
  ;(global as any).__lastSeenByTenant.set(tenant, Date.now())
  if ((global as any).__lastSeenByTenant.size > 500) seen.clear()
}
