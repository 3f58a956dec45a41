-- wrk: POST /introspect with a pool of distinct tokens, the next token on each request.
-- bench.py prepends wrk.method and wrk.headers and passes, after "--":
--   <token file, one per line> <wrk thread count> <first position> [check]
-- Thread t of T sends tokens first + t, first + t + T, first + t + 2T, ... (modulo the
-- pool), so the threads' stripes are disjoint and a token comes back only after about
-- the whole pool has been sent. done() prints "NEXT <position>", where the next run
-- should start to go on with tokens not sent lately. With "check", every answer that is
-- not a 200 with "active": true is counted and done() prints "INACTIVE <count>".

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local stride = tonumber(args[2])
  local tokens = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      tokens[#tokens + 1] = line
    end
  end
  -- Whole stripes only, so the stripes stay disjoint when the positions wrap around.
  local usable = #tokens - #tokens % stride
  requests = {}
  for i = 1, usable do
    requests[i] = wrk.format(nil, nil, nil, "token=" .. tokens[i])
  end
  step = stride
  position = tonumber(args[3]) + id
  inactive = 0
  if args[4] == "check" then
    response = function(status, headers, body)
      if status ~= 200 or not string.find(body, '"active"%s*:%s*true') then
        inactive = inactive + 1
      end
    end
  end
end

function request()
  local next_request = requests[position % #requests + 1]
  position = position + step
  return next_request
end

function done(summary, latency, requests_done)
  local next_position, inactive_total = 0, 0
  for i, thread in ipairs(threads) do
    next_position = math.max(next_position, thread:get("position") - (i - 1))
    inactive_total = inactive_total + thread:get("inactive")
  end
  io.write(string.format("NON2XX %d\n", summary.errors.status))
  io.write(string.format("NEXT %d\n", next_position))
  io.write(string.format("INACTIVE %d\n", inactive_total))
end
