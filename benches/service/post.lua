-- wrk script: POST /v1/decisions with a realistic application, a fresh id on every request.
--
-- The body is {"id":"wrk-<thread>-<n>" followed by the file named by $BODY_TAIL, which
-- `loadgen body` writes: the starter's clean signals payload and a KYC request, compacted.

local path = os.getenv("BODY_TAIL")
if path == nil then
  error("set BODY_TAIL to the file `loadgen body` wrote")
end
local file = assert(io.open(path, "rb"))
local tail = file:read("*a")
file:close()

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

-- Runs in the main state once per thread: give each thread its number.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local n = 0
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"id":"wrk-' .. (tid or 0) .. '-' .. n .. '"' .. tail)
end

-- Anything but a 200 is counted: the summary's "Non-2xx or 3xx responses" line must not appear.
