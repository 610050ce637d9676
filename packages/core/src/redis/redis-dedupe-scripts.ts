import { createHash } from 'node:crypto';

// The Redis dedupe store's Lua: one script per store call, so that a batch's claim, completion
// or release is one atomic round trip whatever its size. Kept apart from the store, which only
// builds keys and arguments and reads answers: the hash fields below (s, l, a, st, o, f) are the
// whole data model, and they are read and written here alone.

// Every script reads Redis's own clock, so processes with skewed clocks agree on leases.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// An id's hash: s state (c claimed, r released, d done), l lease end (ms, Redis's clock),
// a runs counted, st '1' once this claim's run is counted ('0' not yet; absent on a claim
// made before owners: counted), o owner ('' none), f fingerprint.
// ARGV: lease, retention, owner, '1' when only the first id's run starts now, then one
// fingerprint per id (or none). Returns per id two values: -1 done (and its fingerprint),
// 0 busy, n > 0 claimed with attempt n.
const CLAIM = `${NOW}
local lease, retention, owner, first = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4] == '1'
local out = {}
for i, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'l', 'a', 'f')
  local state, leaseUntil = h[1], tonumber(h[2] or '0')
  if state == 'd' then
    out[2 * i - 1] = -1
    out[2 * i] = h[4] or ''
  elseif state == 'c' and leaseUntil > now then
    out[2 * i - 1] = 0
    out[2 * i] = ''
  else
    local runs = tonumber(h[3] or '0')
    local counts = (not first) or i == 1
    redis.call('HSET', key, 's', 'c', 'l', now + lease, 'a', counts and runs + 1 or runs,
      'st', counts and '1' or '0', 'o', owner, 'f', ARGV[4 + i] or '')
    redis.call('PEXPIRE', key, retention)
    out[2 * i - 1] = runs + 1
    out[2 * i] = ''
  end
end
return out`;

// True when a call by owner may act on the id whose owner field is held.
const MAY_ACT = `local function mayAct(held, owner)
  return owner == '' or not held or held == '' or held == owner
end`;

/** Completions a profile's sorted set keeps (the memory store keeps as many). */
const COMPLETIONS_PER_PROFILE = 64;

// KEYS: the n id keys, then the key of the id whose run starts now (when ARGV[4] is '1'),
// then one profile key per completion that names a profile; ARGV: retention, n, owner, '1'
// when a start is marked, then per profile key its member, its filing time ('' for now) and
// the position of its id. Returns the positions of the ids refused: another owner holds them.
// The profiles' entries are written in the same script, so recording them costs no round
// trip, and scored by Redis's clock: every process agrees on what came after what. A
// profile's scores only grow, by 1/1024 ms at least (exact in a double at today's epoch ms),
// so completions in the same millisecond (one batch, or several) list and trim in completion
// order, and still floor to that millisecond.
const COMPLETE = `${MAY_ACT}
local retention, n, owner, marks = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4] == '1'
local refused, skip = {}, {}
for i = 1, n do
  if mayAct(redis.call('HGET', KEYS[i], 'o'), owner) then
    if owner ~= '' then
      redis.call('HSET', KEYS[i], 's', 'd', 'l', 0, 'o', owner)
    else
      redis.call('HSET', KEYS[i], 's', 'd', 'l', 0)
    end
    redis.call('PEXPIRE', KEYS[i], retention)
  else
    refused[#refused + 1] = i - 1
    skip[i] = true
  end
end
local first = n + 1
if marks or #KEYS >= first then
  ${NOW}
  if marks then
    first = n + 2
    local key = KEYS[n + 1]
    local h = redis.call('HMGET', key, 's', 'l', 'o', 'st')
    if h[1] == 'c' and tonumber(h[2] or '0') > now and mayAct(h[3], owner) and h[4] == '0' then
      redis.call('HINCRBY', key, 'a', 1)
      redis.call('HSET', key, 'st', '1')
    end
  end
  -- trim[key]: the set may hold what its trims remove. Not a set this script starts with at
  -- most ${COMPLETIONS_PER_PROFILE} entries, all scored now: two calls a profile saved (most
  -- webhooks of a batch name a profile of their own).
  local top, trim, added = {}, {}, {}
  for i = first, #KEYS do
    local at = 4 + (i - first) * 3
    if not skip[tonumber(ARGV[at + 3]) + 1] then
      local key = KEYS[i]
      if top[key] == nil then
        local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]
        top[key] = last and tonumber(last) or -1
        trim[key] = last ~= nil
        added[key] = 0
      end
      local filed = ARGV[at + 2]
      local score
      if filed ~= '' then
        -- a replay, filed where it stands in Passfort's order
        score = tonumber(filed)
        trim[key] = true
      else
        score = math.max(now, top[key] + 1 / 1024)
        top[key] = score
      end
      redis.call('ZADD', key, score, ARGV[at + 1])
      added[key] = added[key] + 1
      if added[key] > ${COMPLETIONS_PER_PROFILE} then trim[key] = true end
    end
  end
  -- Trimmed once per profile, however many of its webhooks the batch completed.
  for key in pairs(top) do
    if trim[key] then
      redis.call('ZREMRANGEBYRANK', key, 0, -${COMPLETIONS_PER_PROFILE + 1})
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now - retention)
    end
    redis.call('PEXPIRE', key, retention)
  end
end
return refused`;

// KEYS: profile key; ARGV: since (ms), retention. Entries after since, unexpired by Redis's
// clock (the key lives a retention past its last write, its oldest entries may not).
const PROCESSED_SINCE = `${NOW}
local from = math.max(tonumber(ARGV[1]) + 1, now - tonumber(ARGV[2]) + 1)
return redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES')`;

// ARGV: '1' when the handlers ran and failed (their run is counted if it was not), '0' when
// they never started (a run counted is taken back); the owner.
const RELEASE = `${MAY_ACT}
for _, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'o', 'st')
  if h[1] == 'c' and mayAct(h[2], ARGV[2]) then
    local started = h[3] ~= '0'
    if ARGV[1] == '1' then
      if not started then redis.call('HINCRBY', key, 'a', 1) end
    elseif started then
      redis.call('HINCRBY', key, 'a', -1)
    end
    redis.call('HSET', key, 's', 'r', 'l', 0, 'st', '0', 'o', '')
  end
end
return #KEYS`;

// Extends live claims of this owner only: an ended lease may already be someone else's to take.
const RENEW = `${NOW}
${MAY_ACT}
local lease = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'l', 'o')
  if h[1] == 'c' and tonumber(h[2] or '0') > now and mayAct(h[3], ARGV[2]) then
    redis.call('HSET', key, 'l', now + lease)
  end
end
return #KEYS`;

// KEYS: id key, dead-letter hash, dead-letter order; ARGV: id, letter JSON, failedAt. The id
// key is kept (PERSIST) while the letter exists: a redelivery after the retention must still
// find the id done, not run what an operator may replay. Deleting the letter gives it back
// its retention.
const DEAD_LETTER = `redis.call('HSET', KEYS[1], 's', 'd', 'l', 0)
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

const LIST = `local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(ids))`;

// KEYS: dead-letter hash, dead-letter order, id key; ARGV: id, retention.
const DELETE = `redis.call('ZREM', KEYS[2], ARGV[1])
local deleted = redis.call('HDEL', KEYS[1], ARGV[1])
if deleted == 1 then
  redis.call('HSET', KEYS[3], 's', 'd', 'l', 0)
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return deleted`;

/** A script's source, and its SHA-1 for EVALSHA (computed once, at load). */
export interface RedisScript {
  source: string;
  sha: string;
}

function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The dedupe store's scripts, by the store call that runs each. */
export const redisDedupeScripts = {
  claim: script(CLAIM),
  complete: script(COMPLETE),
  release: script(RELEASE),
  renew: script(RENEW),
  processedSince: script(PROCESSED_SINCE),
  deadLetter: script(DEAD_LETTER),
  list: script(LIST),
  delete: script(DELETE),
};
