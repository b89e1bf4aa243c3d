-- Shared by every script: each thread tallies responses by status; done() prints one JSON line
-- (WRK_JSON {...}) with requests, duration, latency percentiles and the status tally, and one
-- (WRK_QUANTILES ...) with the latency distribution.

threads = {}
statuses = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then lines[#lines + 1] = line end
   end
   return lines
end

function read_file(path)
   local f = assert(io.open(path, "rb"))
   local text = f:read("*a")
   f:close()
   return text
end

function done(summary, latency, requests)
   local tally = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         tally[status] = (tally[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(tally) do
      parts[#parts + 1] = string.format('"%d": %d', status, n)
   end
   -- the latency distribution as 200 evenly spaced quantiles (microseconds), each standing for
   -- 1/200 of the requests, so that runs can be merged
   local q = {}
   for i = 1, 200 do
      q[i] = string.format("%.1f", latency:percentile((i - 0.5) / 2))
   end
   io.write("WRK_QUANTILES " .. table.concat(q, ",") .. "\n")
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %.1f, "p90_us": %.1f, ' ..
      '"p99_us": %.1f, "max_us": %.1f, "mean_us": %.1f, "connect": %d, "read": %d, ' ..
      '"write": %d, "timeout": %d, "status_errors": %d, "statuses": {%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write,
      e.timeout, e.status, table.concat(parts, ", ")))
end
