-- GET /api/v1/learning-items/<random id>[/history]. Args: ids file, "item" or "history", seed.
-- The bare endpoint (benchmarks/bare_app.py) answers the same path, so P2 uses this script for
-- both sides.
require "common"

local ids, suffix

function init(args)
   ids = read_lines(args[1])
   suffix = args[2] == "history" and "/history" or ""
   math.randomseed(tonumber(args[3] or "1") + 7919 * (tid or 0))
end

function request()
   return wrk.format("GET", "/api/v1/learning-items/" .. ids[math.random(#ids)] .. suffix)
end
