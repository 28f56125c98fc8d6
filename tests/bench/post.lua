-- wrk script: citizens posting contributions, each with its own email and text (the site refuses a duplicate).
-- BENCH_POST_BODY holds the form's fields (CSRF token included when the page has one), BENCH_POST_HEADERS the
-- headers a browser sends (Origin, Sec-Fetch-Site, Referer, Cookie), one "name: value" per line.
local counter = 0
-- thread_id: set in each thread by setup(), below.
local threads = {}

setup = function(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

init = function(args)
  for line in string.gmatch(os.getenv("BENCH_POST_HEADERS") or "", "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.method = "POST"
end

request = function()
  counter = counter + 1
  local who = string.format("%d-%d-%d", os.time(), thread_id, counter)
  local body = (os.getenv("BENCH_POST_BODY") or "") ..
    "&email=banc-" .. who .. "%40essai.example.org" ..
    "&text=Proposition+de+test+de+charge+" .. who .. "+%3A+plus+d%27arbres+et+de+bancs+pres+de+l%27ecole."
  return wrk.format(nil, nil, nil, body)
end
