// The mock's request handler called in-process (no sockets): the ceiling for the
// mock's HTTP figures, and the per-call cost a simulation through the mock pays.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "lockstep/mock/mock.hpp"

namespace {

using namespace lockstep;
using net::Request;
namespace http = boost::beast::http;
using json = nlohmann::json;

Request make(http::verb method, std::string target, std::string body = {}, std::string bearer = {}) {
  Request r{method, target, 11};
  if (!bearer.empty()) r.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) {
    r.set(http::field::content_type, target.starts_with("/oauth2") ? "application/x-www-form-urlencoded"
                                                                    : "application/json");
    r.body() = std::move(body);
  }
  r.prepare_payload();
  return r;
}

Request token_request() {
  Request r = make(http::verb::post, "/oauth2/token", "grant_type=client_credentials");
  r.set(http::field::authorization, "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=");  // demo-client:demo-secret
  return r;
}

// Distinct, allowed 6-digit PINs (C1: no straight runs or six equal digits).
std::string fmt_pin(int n) {
  const int v = 104729 + (n * 7919) % 800000;
  return std::to_string(v);
}

std::string token(mock::Mock& m) {
  return json::parse(m.handle(token_request()).response.body())["access_token"].get<std::string>();
}

void BM_Mock_Token(benchmark::State& state) {
  mock::Mock m;
  const Request req = token_request();
  for (auto _ : state) benchmark::DoNotOptimize(m.handle(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mock_Token);

// Arg: devices in the world (the default world has 4; a portfolio has hundreds).
void BM_Mock_ListDevices(benchmark::State& state) {
  mock::World world = mock::default_world();
  for (int i = 0; i < state.range(0); ++i) {
    const std::string bridge = "BRX-" + std::to_string(i / 5);
    if (i % 5 == 0) world.bridges.push_back({bridge, bridge, 100});
    world.locks.push_back({"LKX-" + std::to_string(i), "lock", bridge, "s" + std::to_string(i), true, 90});
  }
  mock::Mock m(world);
  const Request req = make(http::verb::get, "/igloohome/devices", {}, token(m));
  for (auto _ : state) benchmark::DoNotOptimize(m.handle(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mock_ListDevices)->Arg(0)->Arg(100)->Arg(1000);

void BM_Mock_GetDevice(benchmark::State& state) {
  mock::Mock m;
  const Request req = make(http::verb::get, "/igloohome/devices/LK-1", {}, token(m));
  for (auto _ : state) benchmark::DoNotOptimize(m.handle(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mock_GetDevice);

// Create a PIN through the bridge, then read its job: the two calls of a bridge code.
void BM_Mock_CreatePinAndPollJob(benchmark::State& state) {
  mock::Mock m;
  std::string bearer = token(m);
  int n = 0;
  for (auto _ : state) {
    if (++n % 150 == 0) {  // stay under the 199-PINs-per-lock limit
      state.PauseTiming();
      m.reset();
      bearer = token(m);
      state.ResumeTiming();
    }
    const json body{{"jobType", 4},
                    {"jobData",
                     {{"accessName", "bench"},
                      {"pin", fmt_pin(n)},
                      {"pinType", 4},
                      {"startDate", "2026-01-20T15:30:00+01:00"},
                      {"endDate", "2026-01-23T11:30:00+01:00"}}}};
    auto created = m.handle(make(http::verb::post, "/igloohome/devices/LK-1/jobs/bridges/BR-1", body.dump(), bearer));
    const auto job = json::parse(created.response.body(), nullptr, false);
    if (!job.contains("jobId")) {
      state.SkipWithError(("create failed: " + created.response.body()).c_str());
      break;
    }
    benchmark::DoNotOptimize(
        m.handle(make(http::verb::get, "/igloohome/jobs/" + job["jobId"].get<std::string>(), {}, bearer)));
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_Mock_CreatePinAndPollJob);

void BM_Mock_AlgoPin(benchmark::State& state) {
  mock::Mock m;
  std::string bearer = token(m);
  int n = 0;
  for (auto _ : state) {
    if (++n % 150 == 0) {
      state.PauseTiming();
      m.reset();
      bearer = token(m);
      state.ResumeTiming();
    }
    const int hour = 10 + n % 10;
    const json body{{"variance", 1},
                    {"startDate", "2026-02-01T" + std::to_string(hour) + ":00:00+00:00"},
                    {"endDate", "2026-02-03T10:00:00+00:00"},
                    {"accessName", "bench"}};
    benchmark::DoNotOptimize(m.handle(make(http::verb::post, "/igloohome/devices/LK-ALGO/algopin/hourly",
                                           body.dump(), bearer)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mock_AlgoPin);

void BM_Mock_UnknownPath(benchmark::State& state) {
  mock::Mock m;
  const Request req = make(http::verb::get, "/igloohome/nope", {}, token(m));
  for (auto _ : state) benchmark::DoNotOptimize(m.handle(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mock_UnknownPath);

}  // namespace
