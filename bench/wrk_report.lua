-- Shared by the benchmarks' wrk scripts (loaded with dofile): counts response status codes
-- per thread and prints one line "WRK_JSON {...}" at the end, which bench/benchlib.py reads.

local threads = {}
statuses = {}

function setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(map)
   local parts = {}
   for key, value in pairs(map) do
      table.insert(parts, string.format('"%s": %d', tostring(key), value))
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
   local total = {}
   local extra = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses") or {}) do
         total[status] = (total[status] or 0) + count
      end
      for key, count in pairs(thread:get("counters") or {}) do
         extra[key] = (extra[key] or 0) + count
      end
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "statuses": %s, "counters": %s, ' ..
      '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
      '"latency_ms": {"mean": %.2f, "p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f}}\n',
      summary.requests, summary.duration, summary.bytes, json_object(total), json_object(extra),
      errors.connect, errors.read, errors.write, errors.timeout,
      latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
end

-- Lines of a file (link tokens, e-mail addresses).
function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then table.insert(lines, line) end
   end
   return lines
end
