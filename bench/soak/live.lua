-- wrk script of bench/soak/live.sh: requests from an origin every version of both lists
-- holds (must be allowed) and from one none holds (must be denied), to /txt/ and /dbm/.
local kinds = {
  { path = "/txt/", origin = "https://always.example", allowed = true },
  { path = "/txt/", origin = "https://never.example", allowed = false },
  { path = "/dbm/", origin = "https://always.example", allowed = true },
  { path = "/dbm/", origin = "https://never.example", allowed = false },
}
local always = "https://always.example"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  n, wrong, non200 = 0, 0, 0
end
function request()
  n = n + 1
  local k = kinds[(n % #kinds) + 1]
  return wrk.format("GET", k.path, { ["Origin"] = k.origin })
end
-- The server says which Origin the answer is for (X-Request-Origin).
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 return end
  local origin = headers["X-Request-Origin"]
  local acao = headers["Access-Control-Allow-Origin"]
  if origin == always then
    if acao ~= always then wrong = wrong + 1 end
  elseif acao ~= nil or origin == nil then
    wrong = wrong + 1
  end
end
function done(summary, latency, requests)
  local w, s = 0, 0
  for _, t in ipairs(threads) do
    w = w + t:get("wrong")
    s = s + t:get("non200")
  end
  io.write("wrong answers: " .. w .. "\n")
  io.write("non-200: " .. s .. "\n")
end
