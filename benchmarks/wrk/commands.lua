-- Commands: every 4th request identifies a new learning item (POST /api/v1/learning-items); the
-- others choose means (POST .../<id>/actions) on existing items, taken in turn from the ids file,
-- so no two requests in flight touch the same item while there are more items than connections
-- (one wrk thread: benchmarks/bench_wrk.py always runs -t1).
-- Args: ids file, new-item body file ("{n}" is replaced by a unique tag), action body file, tag.
require "common"

local ids, item_body, action_body, tag
local n, next_id = 0, 0

function init(args)
   ids = read_lines(args[1])
   item_body = read_file(args[2])
   action_body = read_file(args[3])
   tag = args[4] or "wrk"
end

function request()
   n = n + 1
   if n % 4 == 1 then
      local body = item_body:gsub("{n}", tag .. "-" .. (tid or 0) .. "-" .. n)
      return wrk.format("POST", "/api/v1/learning-items", nil, body)
   end
   next_id = next_id % #ids + 1
   return wrk.format("POST", "/api/v1/learning-items/" .. ids[next_id] .. "/actions", nil,
                     action_body)
end
