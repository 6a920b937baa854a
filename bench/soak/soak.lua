-- wrk script of the mod_cors soak (bench/soak/run.sh): rotates allowed, denied, malformed and
-- preflight requests against /api/doc.txt of the soak server, counts the status codes
-- in response(), and checks each answer's CORS headers.
--
-- The server (bench/soak/run.sh) allows the 10,000 origins of its CORSAllowOriginFile:
-- https://appNNNNN.example.com for NNNNN = 00000 .. 09989, and https://*.teamN.example.org
-- for N = 0 .. 9.  It echoes the request's X-Soak-Kind and Origin in the response (mod_headers),
-- so that response() knows what each answer is for; preflights answered by mod_cors
-- itself (204) carry no echo.

local EXACT_ORIGINS = 9990

local requests = {}    -- pre-generated, as wrk's SCRIPTING advises
local next_request = 1

-- Counters of this thread, read by done() through thread:get().
counts = {}            -- status code -> number of responses
wrong = 0              -- answers whose CORS headers are not what the request should get
wrong_examples = {}    -- the first few of them, described

local function get(kind, origin)
   local headers = { ["X-Soak-Kind"] = kind }
   if origin then headers["Origin"] = origin end
   return wrk.format("GET", "/api/doc.txt", headers)
end

local function preflight(kind, origin, method, request_headers)
   return wrk.format("OPTIONS", "/api/doc.txt", {
      ["X-Soak-Kind"] = kind,
      ["Origin"] = origin,
      ["Access-Control-Request-Method"] = method,
      ["Access-Control-Request-Headers"] = request_headers,
   })
end

-- Several Origin fields, which wrk.format cannot write: a request built by hand.
local function two_origins(host)
   return "GET /api/doc.txt HTTP/1.1\r\nHost: " .. host .. "\r\nX-Soak-Kind: malformed\r\n"
      .. "Origin: https://app00001.example.com\r\nOrigin: https://evil.example\r\n\r\n"
end

local MALFORMED = {
   "https://app00001.example.com@evil.net", "NULL", "https://app00002.example.com.",
   "https://app00003.example.com/", "https://b\195\188cher.example", "http://localhost:0",
   "https://app00004.example.com%2eevil.net", "https://[::1", "",
}

function init(args)
   local host = wrk.headers["Host"] or (wrk.host .. ":" .. tostring(wrk.port))
   -- A different starting point in each thread, so threads do not send the same origins.
   local seed = thread_id or 0
   for i = 1, 6000 do
      local n = (i * 7919 + seed * 1319) % EXACT_ORIGINS
      local exact = string.format("https://app%05d.example.com", n)
      local k = i % 8
      if k == 0 then
         requests[i] = get("allowed", exact)
      elseif k == 1 then
         requests[i] = get("allowed", string.format("https://u%d.team%d.example.org", i, i % 10))
      elseif k == 2 then
         requests[i] = get("denied", string.format("https://app%05d.example.net", n))
      elseif k == 3 then
         if i % 10 == 3 then
            requests[i] = two_origins(host)
         else
            requests[i] = get("malformed", MALFORMED[(i % #MALFORMED) + 1])
         end
      elseif k == 4 then
         requests[i] = preflight("preflight", exact, "PUT", "content-type, x-requested-with")
      elseif k == 5 then
         requests[i] = preflight("denied-preflight", exact, "PATCH", "content-type")
      elseif k == 6 then
         requests[i] = preflight("denied-preflight", exact, "PUT", "x-not-allowed")
      else
         requests[i] = get("none", nil)
      end
   end
end

function request()
   local r = requests[next_request]
   next_request = next_request % #requests + 1
   return r
end

local function has_vary_origin(headers)
   local vary = headers["Vary"] or ""
   return vary:lower():find("origin", 1, true) ~= nil
end

-- Why an answer is wrong, or nil when it is right.
local function check(status, headers)
   local kind = headers["X-Soak-Kind"]
   local acao = headers["Access-Control-Allow-Origin"]
   if status == 204 then
      if kind then return "a 204 that mod_cors did not answer (" .. kind .. ")" end
      if not acao or acao == "*" then return "preflight 204 without its origin" end
      if headers["Access-Control-Allow-Methods"] ~= "GET, POST, PUT, DELETE" then
         return "preflight 204 with methods " .. tostring(headers["Access-Control-Allow-Methods"])
      end
      if headers["Access-Control-Allow-Credentials"] ~= "true" then
         return "preflight 204 without credentials"
      end
      return nil
   end
   if status ~= 200 then return "status " .. status .. " for " .. tostring(kind) end
   if kind == "allowed" then
      if acao ~= headers["X-Soak-Origin"] then
         return "allowed origin " .. tostring(headers["X-Soak-Origin"]) .. " answered " .. tostring(acao)
      end
      if headers["Access-Control-Allow-Credentials"] ~= "true" then
         return "allowed origin without credentials"
      end
      if not has_vary_origin(headers) then return "allowed origin without Vary: Origin" end
   elseif kind == "denied" or kind == "malformed" or kind == "denied-preflight" or kind == "none" then
      if acao then return kind .. " request answered Access-Control-Allow-Origin: " .. acao end
      if headers["Access-Control-Allow-Credentials"] then return kind .. " request with credentials" end
      if not has_vary_origin(headers) then return kind .. " request without Vary: Origin" end
   else
      return "an answer without X-Soak-Kind, status " .. status
   end
   return nil
end

function response(status, headers, body)
   counts[status] = (counts[status] or 0) + 1
   local problem = check(status, headers)
   if problem then
      wrong = wrong + 1
      if #wrong_examples < 5 then wrong_examples[#wrong_examples + 1] = problem end
   end
end

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("thread_id", #threads)
end

-- Machine-readable lines "soak: key value" for bench/soak/run.sh, which prints the summary.
function done(summary, latency, requests_stats)
   local status_counts, total_wrong, examples = {}, 0, {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("counts")) do
         status_counts[status] = (status_counts[status] or 0) + n
      end
      total_wrong = total_wrong + thread:get("wrong")
      for _, e in ipairs(thread:get("wrong_examples")) do examples[#examples + 1] = e end
   end
   local e = summary.errors
   io.write(string.format("soak: requests %d\n", summary.requests))
   io.write(string.format("soak: duration_us %d\n", summary.duration))
   io.write(string.format("soak: socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
   io.write(string.format("soak: socket_errors_detail connect %d, read %d, write %d, timeout %d\n",
                          e.connect, e.read, e.write, e.timeout))
   local fivexx, statuses = 0, {}
   for status, n in pairs(status_counts) do
      if status >= 500 then fivexx = fivexx + n end
      statuses[#statuses + 1] = string.format("%d=%d", status, n)
   end
   table.sort(statuses)
   io.write(string.format("soak: statuses %s\n", table.concat(statuses, " ")))
   io.write(string.format("soak: 5xx %d\n", fivexx))
   io.write(string.format("soak: wrong_answers %d\n", total_wrong))
   for _, example in ipairs(examples) do io.write("soak: wrong_example " .. example .. "\n") end
   io.write(string.format("soak: latency_p99_us %d\n", latency:percentile(99.0)))
end
