// A permission memo in two levels, by tenant then by user: read under both keys, filled on
// a miss, never evicted - one entry per user who ever asked.
const permissions = { admin: {}, member: {} };

async function permissionsFor(role, userId, loadGrants) {
  let grants = permissions[role][userId];
  if (!grants) {
    grants = await loadGrants(userId);
    permissions[role][userId] = grants; // expect: cache-without-eviction
  }
  return grants;
}

module.exports = { permissionsFor };
