//! The store's Lua scripts: each operation is one script, atomic on the server and one round trip. The
//! key layout they share is described in `redis.rs`.

/// Stores a session and indexes it. KEYS = session, sequence, user index[, organization index];
/// ARGV = plaintext, user, organization ('' for none), expiry (Unix s), TTL (ms), index score (Unix s),
/// now (Unix s), session key, connection, idp id, email (lowercase). Returns the session's number.
pub(super) const CREATE: &str = r"
local n = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'u', ARGV[2], 'o', ARGV[3], 'n', n, 'e', ARGV[4],
  'c', ARGV[9], 'i', ARGV[10], 'm', ARGV[11])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local lasts = tonumber(ARGV[4]) - tonumber(ARGV[7]) + 1
for i = 3, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[7])
  redis.call('ZADD', KEYS[i], ARGV[6], ARGV[8])
  if redis.call('TTL', KEYS[i]) < lasts then
    redis.call('EXPIRE', KEYS[i], lasts)
  end
end
return n
";

/// Reads a session: refused (nil) when a revocation of its user, organization, connection or person
/// (by the identity provider's id or by email, within the organization) came after it, else its
/// plaintext, with the idle timeout slid. KEYS = session; ARGV = prefix, session key, idle timeout (ms,
/// 0 for none), now (Unix s).
pub(super) const READ: &str = r"
local s = redis.call('HMGET', KEYS[1], 'v', 'u', 'o', 'n', 'e', 'c', 'i', 'm')
if not s[1] then return false end
local p, id = ARGV[1], ARGV[2]
local n, e, now = tonumber(s[4]), tonumber(s[5]), tonumber(ARGV[4])
if e <= now then return false end
local marks = { p .. 'revoked:user:' .. s[2] }
if s[3] ~= '' then
  table.insert(marks, p .. 'revoked:organization:' .. s[3])
  if s[7] and s[7] ~= '' then table.insert(marks, p .. 'revoked:person:' .. s[3] .. ':' .. s[7]) end
  if s[8] and s[8] ~= '' then table.insert(marks, p .. 'revoked:email:' .. s[3] .. ':' .. s[8]) end
end
if s[6] and s[6] ~= '' then table.insert(marks, p .. 'revoked:connection:' .. s[6]) end
local found = redis.call('MGET', unpack(marks))
for i = 1, #marks do
  if found[i] and n <= tonumber(found[i]) then return false end
end
local idle = tonumber(ARGV[3])
if idle > 0 then
  local left = (e - now) * 1000
  if idle < left then left = idle end
  redis.call('PEXPIRE', KEYS[1], left)
  local ends = now + math.ceil(left / 1000)
  redis.pcall('ZADD', p .. 'user:' .. s[2], 'XX', ends, id)
  if s[3] ~= '' then redis.pcall('ZADD', p .. 'organization:' .. s[3], 'XX', ends, id) end
end
return s[1]
";

/// Ends a session (logout) and removes it from its indexes, pruning them. KEYS = session; ARGV = prefix,
/// session key, now (Unix s). Returns 1 if the session existed.
pub(super) const END: &str = r"
local s = redis.call('HMGET', KEYS[1], 'u', 'o')
if not s[1] then return 0 end
redis.call('DEL', KEYS[1])
local p, id = ARGV[1], ARGV[2]
local indexes = { p .. 'user:' .. s[1] }
if s[2] ~= '' then table.insert(indexes, p .. 'organization:' .. s[2]) end
for _, index in ipairs(indexes) do
  redis.call('ZREM', index, id)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[3])
end
return 1
";

/// Revokes, at once, every session its marks name: sets each mark to one new sequence number. With a
/// session to keep (its user's own, for "sign out my other devices"), that session is renumbered after
/// the marks. With an event id, does all this only the first time that event comes (a retried webhook
/// delivery, or an event both polled and delivered). KEYS = sequence, marks…; ARGV = mark TTL (s), the
/// kept session's name ('' for none), the user it must belong to, the event's record ('' for none), its
/// TTL (s). Returns the number the marks were set to; -1 when Redis is full (at `maxmemory` under
/// `noeviction` it refuses writes that need memory, and deletes still work); -2 when the event was
/// handled before.
pub(super) const MARK: &str = r"
if ARGV[4] ~= '' then
  local fresh = redis.pcall('SET', ARGV[4], '1', 'NX', 'EX', ARGV[5])
  if type(fresh) == 'table' and fresh.err then
    if string.find(fresh.err, 'OOM', 1, true) then return -1 end
    return redis.error_reply(fresh.err)
  end
  if not fresh then return -2 end
end
local m = redis.pcall('INCR', KEYS[1])
if type(m) == 'table' then
  if string.find(m.err, 'OOM', 1, true) then return -1 end
  return redis.error_reply(m.err)
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], m, 'EX', ARGV[1])
end
if ARGV[2] ~= '' and redis.call('HGET', ARGV[2], 'u') == ARGV[3] then
  redis.call('HSET', ARGV[2], 'n', redis.call('INCR', KEYS[1]))
end
return m
";

/// One batch of a revocation: looks at up to `count` members of an index from `cursor` on, deletes
/// those numbered at or below the marker (and removes them from every index), drops members whose
/// session is gone, and leaves later sessions and the one to keep alone. KEYS = index; ARGV = prefix,
/// marker, cursor, count, now (Unix s), the key to keep ('' for none). Returns the next cursor ('0' when
/// done), then the keys of the sessions it deleted.
pub(super) const SWEEP: &str = r"
local p, m, keep = ARGV[1], tonumber(ARGV[2]), ARGV[6]
local scan = redis.call('ZSCAN', KEYS[1], ARGV[3], 'COUNT', ARGV[4])
local result = { scan[1] }
local members = scan[2]
for i = 1, #members, 2 do
  local id = members[i]
  local s = redis.call('HMGET', p .. 'session:' .. id, 'u', 'o', 'n')
  if not s[3] then
    redis.call('ZREM', KEYS[1], id)
  elseif tonumber(s[3]) <= m and id ~= keep then
    if redis.call('DEL', p .. 'session:' .. id) == 1 then table.insert(result, id) end
    redis.call('ZREM', p .. 'user:' .. s[1], id)
    if s[2] ~= '' then redis.call('ZREM', p .. 'organization:' .. s[2], id) end
  end
end
if scan[1] == '0' then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[5]) end
return result
";

/// Takes a login's state: the token of whoever took it first, or nil (and the caller's token kept) if
/// nobody did. KEYS = used state; ARGV = token, TTL (ms).
pub(super) const CONSUME: &str = r"
local taken = redis.call('GET', KEYS[1])
if taken then return taken end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
";

/// Moves a shared cursor forward, never back: KEYS = cursor; ARGV = the new position. Event ids sort in
/// the order WorkOS created them, so several instances polling at once only ever advance it. Returns
/// the cursor's position after the call.
pub(super) const ADVANCE: &str = r"
local at = redis.call('GET', KEYS[1])
if not at or ARGV[1] > at then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return at
";
