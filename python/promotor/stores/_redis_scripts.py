"""The Redis store's Lua scripts (``promotor.stores.redis``): one per call, which Redis runs
alone, so each checks every delta's bound and applies all of it with the records, or nothing.
``_LIVE`` is the shared prelude (live holds, bound checks, the event outbox) the others start
with. The key layout is described in ``promotor.stores.redis``."""

from __future__ import annotations

_LIVE = """
local function live(p, key, now)
  local ids = redis.call('ZRANGEBYSCORE', p .. ':h:' .. key, '(' .. now, '+inf')
  if #ids == 0 then return 0 end
  local ns = redis.call('HMGET', p .. ':hn:' .. key, unpack(ids))
  local s = 0
  for i = 1, #ns do s = s + tonumber(ns[i] or '0') end
  return s
end
-- A key `family#member` is also listed in the family's set, so the family reads in one call.
local function bump(p, key, n)
  redis.call('HINCRBY', p .. ':c', key, n)
  local hash = string.find(key, '#', 1, true)
  if hash then redis.call('SADD', p .. ':f:' .. string.sub(key, 1, hash - 1), key) end
end
local function append(p, events, now)
  local ids = {}
  for _, e in ipairs(events) do
    ids[#ids + 1] = redis.call('RPUSH', p .. ':ev', cjson.encode({e[1], e[2], e[3], tonumber(now)}))
  end
  return ids
end
local function identity(p, ident)
  if type(ident) == 'table' then redis.call('HSETNX', p .. ':cu', ident[2], ident[1]) end
end
-- Whether each delta keeps its bounds on the value the ones before it left (`seen`, by key;
-- else the counter plus live holds at `now`); `seen` then holds the values after them.
local function fits(p, deltas, now, seen)
  for _, d in ipairs(deltas) do
    local v = seen[d[1]]
    if v == nil then
      v = tonumber(redis.call('HGET', p .. ':c', d[1]) or '0') + live(p, d[1], now)
    end
    local after = v + d[2]
    if (d[3] ~= cjson.null and after > d[3]) or (d[4] ~= cjson.null and after < d[4]) then
      return false
    end
    seen[d[1]] = after
  end
  return true
end
local function drop_holds(p, rid, deltas)
  for _, d in ipairs(deltas) do
    redis.call('ZREM', p .. ':h:' .. d[1], rid)
    redis.call('HDEL', p .. ':hn:' .. d[1], rid)
  end
end
"""

# ARGV: prefix, now, idempotency key or '', keys...
_READ = (
    _LIVE
    + """
local p, now = ARGV[1], ARGV[2]
local out = {}
for i = 4, #ARGV do
  local v = tonumber(redis.call('HGET', p .. ':c', ARGV[i]) or '0') + live(p, ARGV[i], now)
  out[#out + 1] = tostring(v)
end
local existing = false
if ARGV[3] ~= '' then existing = redis.call('GET', p .. ':i:' .. ARGV[3]) end
out[#out + 1] = existing or ''
return out
"""
)

# ARGV: prefix, now, kind, id, idempotency key, confirms, expires_at, deltas JSON,
#       audit JSON, then field/value pairs of the record.
_COMMIT = (
    _LIVE
    + """
local p, now, kind, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local idem, confirms, expires = ARGV[5], ARGV[6], ARGV[7]
local deltas = cjson.decode(ARGV[8])
if idem ~= '' then
  local existing = redis.call('GET', p .. ':i:' .. idem)
  if existing then return {'existing', existing} end
end
if confirms ~= '' then
  local st = redis.call('HMGET', p .. ':v:' .. confirms, 'status', 'redemption_id')
  if st[1] == 'confirmed' then return {'existing', st[2]} end
end
for _, d in ipairs(deltas) do
  local v = tonumber(redis.call('HGET', p .. ':c', d[1]) or '0') + live(p, d[1], now)
  local after = v + d[2]
  if (d[3] ~= cjson.null and after > d[3]) or (d[4] ~= cjson.null and after < d[4]) then
    return {'conflict'}
  end
end
local fields = {}
for i = 12, #ARGV do fields[#fields + 1] = ARGV[i] end
local ids = {}
if kind == 'redemption' then
  for _, d in ipairs(deltas) do bump(p, d[1], d[2]) end
  ids = append(p, cjson.decode(ARGV[10]), now)
  identity(p, cjson.decode(ARGV[11]))
  redis.call('HSET', p .. ':r:' .. id, unpack(fields))
  redis.call('ZADD', p .. ':rs', now, id)
  if idem ~= '' then redis.call('SET', p .. ':i:' .. idem, id) end
  if confirms ~= '' then
    local held = redis.call('HGET', p .. ':v:' .. confirms, 'deltas')
    if held then drop_holds(p, confirms, cjson.decode(held)) end
    redis.call('HSET', p .. ':v:' .. confirms, 'status', 'confirmed', 'redemption_id', id)
    redis.call('ZREM', p .. ':vx', confirms)
  end
else
  local expired = redis.call('ZRANGEBYSCORE', p .. ':vx', '-inf', now)
  for _, rid in ipairs(expired) do
    local held = redis.call('HGET', p .. ':v:' .. rid, 'deltas')
    if held then drop_holds(p, rid, cjson.decode(held)) end
    redis.call('HSET', p .. ':v:' .. rid, 'status', 'expired')
    redis.call('ZREM', p .. ':vx', rid)
  end
  for _, d in ipairs(deltas) do
    redis.call('ZADD', p .. ':h:' .. d[1], expires, id)
    redis.call('HSET', p .. ':hn:' .. d[1], id, d[2])
    bump(p, d[1], 0)
  end
  redis.call('HSET', p .. ':v:' .. id, unpack(fields))
  redis.call('ZADD', p .. ':vs', now, id)
  redis.call('ZADD', p .. ':vx', expires, id)
end
redis.call('RPUSH', p .. ':a', ARGV[9])
local out = {'ok'}
for _, i in ipairs(ids) do out[#out + 1] = tostring(i) end
return out
"""
)

# ARGV: prefix, reservation id, order id or '', now, new redemption id
_CONFIRM = (
    _LIVE
    + """
local p, rid, order, now, new = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local key = p .. ':v:' .. rid
if redis.call('EXISTS', key) == 0 then return {'notfound'} end
local st = redis.call('HMGET', key, 'status', 'redemption_id', 'expires_at')
if st[1] == 'confirmed' then return {'existing', st[2]} end
if st[1] ~= 'held' or tonumber(st[3]) <= tonumber(now) then return {'gone'} end
local r = redis.call('HMGET', key, 'customer_id', 'engine_version', 'currency', 'result',
                     'applied', 'deltas')
local deltas = cjson.decode(r[6])
for _, d in ipairs(deltas) do bump(p, d[1], d[2]) end
drop_holds(p, rid, deltas)
local fields = {'id', new, 'status', 'redeemed', 'created_at', now, 'engine_version', r[2],
                'currency', r[3], 'result', r[4], 'applied', r[5], 'deltas', r[6],
                'reservation_id', rid}
if order ~= '' then fields[#fields + 1] = 'order_id'; fields[#fields + 1] = order end
if r[1] then fields[#fields + 1] = 'customer_id'; fields[#fields + 1] = r[1] end
redis.call('HSET', p .. ':r:' .. new, unpack(fields))
redis.call('ZADD', p .. ':rs', now, new)
redis.call('HSET', key, 'status', 'confirmed', 'redemption_id', new)
redis.call('ZREM', p .. ':vx', rid)
redis.call('RPUSH', p .. ':a', cjson.encode({tonumber(now), 'confirm', new, r[2],
  cjson.encode({order_id = (order ~= '' and order) or cjson.null, reservation_id = rid})}))
return {'ok', new}
"""
)

# ARGV: prefix, reservation id, now
_RELEASE = (
    _LIVE
    + """
local p, rid, now = ARGV[1], ARGV[2], ARGV[3]
local key = p .. ':v:' .. rid
if redis.call('EXISTS', key) == 0 then return 'notfound' end
local st = redis.call('HMGET', key, 'status', 'expires_at', 'deltas', 'engine_version')
if st[1] ~= 'held' then return 'ok' end
drop_holds(p, rid, cjson.decode(st[3]))
redis.call('ZREM', p .. ':vx', rid)
if tonumber(st[2]) > tonumber(now) then
  redis.call('HSET', key, 'status', 'released')
  redis.call('RPUSH', p .. ':a', cjson.encode({tonumber(now), 'release', rid, st[4], '{}'}))
else
  redis.call('HSET', key, 'status', 'expired')
end
return 'ok'
"""
)

# ARGV: prefix, redemption id, now, reason or ''
_ROLLBACK = """
local p, id, now, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. ':r:' .. id
if redis.call('EXISTS', key) == 0 then return 'notfound' end
local st = redis.call('HMGET', key, 'status', 'deltas', 'engine_version')
if st[1] ~= 'redeemed' then return 'ok' end
for _, d in ipairs(cjson.decode(st[2])) do redis.call('HINCRBY', p .. ':c', d[1], -d[2]) end
redis.call('HSET', key, 'status', 'rolled_back', 'rolled_back_at', now)
if reason ~= '' then redis.call('HSET', key, 'reason', reason) end
redis.call('RPUSH', p .. ':a', cjson.encode({tonumber(now), 'rollback', id, st[3],
  cjson.encode({reason = (reason ~= '' and reason) or cjson.null})}))
return 'ok'
"""

# Pools (promotor.pools). ``P:pk`` (hash: code key -> JSON [campaign, code, customer or false,
# assigned_at or false, seq]), ``P:pl:<campaign>`` (list: keys in the order added),
# ``P:pf:<campaign>`` (list: free keys, in that order), ``P:pa:<campaign>`` (hash: customer ->
# first key), ``P:pc:<customer>`` (zset: keys by seq), ``P:pn`` / ``P:pna`` (hash: campaign ->
# codes / assigned), ``P:pseq`` (the last seq).
# ARGV: prefix, campaign, then key, code, customer ('' for none) per code.
_POOL_ADD = """
local p, campaign = ARGV[1], ARGV[2]
local pk = p .. ':pk'
local seen = {}
for i = 3, #ARGV, 3 do
  local k = ARGV[i]
  if seen[k] or redis.call('HEXISTS', pk, k) == 1 then return -1 end
  seen[k] = true
end
local n = (#ARGV - 2) / 3
local seq = redis.call('INCRBY', p .. ':pseq', n) - n
local assigned = 0
local all, free = {}, {}
for i = 3, #ARGV, 3 do
  local k, code, who = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  seq = seq + 1
  local row = {campaign, code, false, false, seq}
  if who == '' then
    free[#free + 1] = k
  else
    row[3] = who
    assigned = assigned + 1
    redis.call('HSETNX', p .. ':pa:' .. campaign, who, k)
    redis.call('ZADD', p .. ':pc:' .. who, seq, k)
  end
  redis.call('HSET', pk, k, cjson.encode(row))
  all[#all + 1] = k
  if #all == 1000 then redis.call('RPUSH', p .. ':pl:' .. campaign, unpack(all)); all = {} end
  if #free == 1000 then redis.call('RPUSH', p .. ':pf:' .. campaign, unpack(free)); free = {} end
end
if #all > 0 then redis.call('RPUSH', p .. ':pl:' .. campaign, unpack(all)) end
if #free > 0 then redis.call('RPUSH', p .. ':pf:' .. campaign, unpack(free)) end
redis.call('HINCRBY', p .. ':pn', campaign, n)
redis.call('HINCRBY', p .. ':pna', campaign, assigned)
return n
"""

# ARGV: prefix, campaign, customer, now
_POOL_ASSIGN = """
local p, campaign, who, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local pk = p .. ':pk'
local held = redis.call('HGET', p .. ':pa:' .. campaign, who)
if held then return {'held', cjson.decode(redis.call('HGET', pk, held))[2]} end
local k = redis.call('LPOP', p .. ':pf:' .. campaign)
if not k then return {'none'} end
local row = cjson.decode(redis.call('HGET', pk, k))
row[3] = who
row[4] = now
redis.call('HSET', pk, k, cjson.encode(row))
redis.call('HSET', p .. ':pa:' .. campaign, who, k)
redis.call('ZADD', p .. ':pc:' .. who, row[5], k)
redis.call('HINCRBY', p .. ':pna', campaign, 1)
redis.call('RPUSH', p .. ':a', cjson.encode({tonumber(now), 'assign', row[2], '',
  cjson.encode({campaign_id = campaign, customer_id = who})}))
return {'new', row[2]}
"""
# ARGV: prefix, now, number of keys, keys..., families...
_READ_FAMILIES = (
    _LIVE
    + """
local p, now, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local want = {}
for i = 4, 3 + n do want[#want + 1] = ARGV[i] end
for i = 4 + n, #ARGV do
  for _, k in ipairs(redis.call('SMEMBERS', p .. ':f:' .. ARGV[i])) do want[#want + 1] = k end
end
local out = {}
for _, k in ipairs(want) do
  local v = tonumber(redis.call('HGET', p .. ':c', k) or '0') + live(p, k, now)
  if v ~= 0 then out[#out + 1] = k; out[#out + 1] = string.format('%.0f', v) end
end
return out
"""
)

# ARGV: prefix, entries JSON: [[id, kind, customer or false, created_at, key or false, deltas,
#       events, detail, identity or false], ...]. Answers 'conflict' or the applied flags
#       ('1'/'0') followed by each applied entry's event ids ('id,id').
_APPLY = (
    _LIVE
    + """
local p = ARGV[1]
local entries = cjson.decode(ARGV[2])
local seen, fresh, taken = {}, {}, {}
for i, e in ipairs(entries) do
  local ok = true
  if e[5] ~= cjson.null and e[5] ~= false then
    if taken[e[5]] or redis.call('EXISTS', p .. ':lk:' .. e[5]) == 1 then ok = false end
    taken[e[5]] = true
  end
  fresh[i] = ok
  if ok and not fits(p, e[6], e[4], seen) then return {'conflict'} end
end
local out = {}
for i, e in ipairs(entries) do
  if fresh[i] then
    for _, d in ipairs(e[6]) do bump(p, d[1], d[2]) end
    local ids = append(p, e[7], e[4])
    identity(p, e[9])
    redis.call('HSET', p .. ':le:' .. e[1], 'id', e[1], 'kind', e[2],
      'customer_id', (e[3] ~= cjson.null and e[3]) or '', 'created_at', e[4],
      'idempotency_key', (e[5] ~= cjson.null and e[5]) or '',
      'deltas', cjson.encode(e[6]), 'detail', e[8])
    redis.call('ZADD', p .. ':les', e[4], e[1])
    if e[5] ~= cjson.null then redis.call('SET', p .. ':lk:' .. e[5], e[1]) end
    out[#out + 1] = '1:' .. table.concat(ids, ',')
  else
    out[#out + 1] = '0:'
  end
end
return out
"""
)

# ARGV: prefix, redemption id, now, reason or '', deltas JSON, events JSON
_ROLLBACK_WITH = (
    _LIVE
    + """
local p, id, now, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. ':r:' .. id
if redis.call('EXISTS', key) == 0 then return {'notfound'} end
local st = redis.call('HMGET', key, 'status', 'engine_version')
if st[1] ~= 'redeemed' then return {'done'} end
local deltas = cjson.decode(ARGV[5])
if not fits(p, deltas, now, {}) then return {'conflict'} end
for _, d in ipairs(deltas) do bump(p, d[1], d[2]) end
redis.call('HSET', key, 'status', 'rolled_back', 'rolled_back_at', now, 'rollback_deltas', ARGV[5])
if reason ~= '' then redis.call('HSET', key, 'reason', reason) end
redis.call('RPUSH', p .. ':a', cjson.encode({tonumber(now), 'rollback', id, st[2],
  cjson.encode({reason = (reason ~= '' and reason) or cjson.null})}))
local out = {'ok'}
for _, i in ipairs(append(p, cjson.decode(ARGV[6]), now)) do out[#out + 1] = tostring(i) end
return out
"""
)
