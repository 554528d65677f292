// Every fault kind, in-process: its window in virtual time, its target, its
// randomness (seeded, reproducible), and what the in-process transport makes of
// the network faults.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "lockstep/mock/in_process_transport.hpp"
#include "support.hpp"

namespace lockstep::mock::testing {
namespace {

const char* kStart = "2026-01-10T15:00:00+01:00";
const char* kEnd = "2026-01-12T11:00:00+01:00";

TEST(MockFaults, HttpErrorHitsOnlyItsPathAndWindow) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "http_error"}, {"status", 503}, {"path", "/igloohome/devices"},
                              {"from", "2026-01-01T01:00:00Z"}, {"until", "2026-01-01T02:00:00Z"}}));
  EXPECT_EQ(api.get("/igloohome/devices").status, 200);
  mock.set_now(at("2026-01-01T01:00:00Z"));
  auto a = api.get("/igloohome/devices");
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.body["error"], "internal_error");
  EXPECT_EQ(api.get("/igloohome/jobs/job-1").status, 404);  // other path unaffected
  mock.set_now(at("2026-01-01T02:00:00Z"));
  EXPECT_EQ(api.get("/igloohome/devices").status, 200);
}

// Job ids are handed out in arrival order. Two implementations that create the
// same two jobs at one instant in opposite orders must still meet the same
// failures when polling each job: the draw follows what the job is, not its id.
TEST(MockFaults, AJobPollIsHitByWhatTheJobIsNotByItsId) {
  const char* kStart2 = "2026-01-14T15:00:00+01:00";
  const char* kEnd2 = "2026-01-15T11:00:00+01:00";
  auto outcomes = [&](bool first_window_first) {
    Mock mock;
    Api api(mock);
    api.login();
    EXPECT_TRUE(mock.add_fault({{"kind", "http_error"}, {"probability", 0.5}, {"seed", 3},
                                {"path", "/igloohome/jobs"}}));
    std::map<std::string, std::string> job_of;  // window start -> job id
    auto create = [&](const char* pin, const char* start, const char* end) {
      auto a = api.create_pin(pin, start, end);
      EXPECT_EQ(a.status, 200) << a.body.dump();
      job_of[start] = a.body.value("jobId", "");
    };
    if (first_window_first) {
      create("482913", kStart, kEnd);
      create("551207", kStart2, kEnd2);
    } else {
      create("551207", kStart2, kEnd2);
      create("482913", kStart, kEnd);
    }
    const Instant t0 = mock.now();
    std::string out;
    for (int minute = 1; minute <= 40; ++minute) {
      mock.set_now(t0 + Minutes{minute});
      for (const char* start : {kStart, kStart2}) {
        out += api.get("/igloohome/jobs/" + job_of[start]).status == 200 ? '.' : 'X';
      }
    }
    return std::pair{out, job_of[kStart]};
  };
  const auto [in_order, id_in_order] = outcomes(true);
  const auto [swapped, id_swapped] = outcomes(false);
  ASSERT_NE(id_in_order, id_swapped);  // the ids really did swap
  EXPECT_EQ(in_order, swapped);
  EXPECT_NE(in_order.find('X'), std::string::npos);
  EXPECT_NE(in_order.find('.'), std::string::npos);
  // The two jobs are told apart: their poll outcomes are not one sequence twice.
  std::string first, second;
  for (std::size_t i = 0; i < in_order.size(); i += 2) {
    first += in_order[i];
    second += in_order[i + 1];
  }
  EXPECT_NE(first, second);
}

TEST(MockFaults, HttpErrorBeforeHasNoEffectAfterHasItsEffect) {
  Mock mock;
  Api api(mock);
  api.login();
  const auto id = mock.add_fault({{"kind", "http_error"}, {"path", "/igloohome/devices/LK-1/jobs"}});
  ASSERT_TRUE(id);
  EXPECT_EQ(api.create_pin("482913", kStart, kEnd).status, 500);
  EXPECT_TRUE(mock.pins("LK-1")->empty());
  mock.remove_fault(*id);
  ASSERT_TRUE(mock.add_fault({{"kind", "http_error"}, {"status", 502}, {"after", true}}));
  EXPECT_EQ(api.create_pin("482913", kStart, kEnd).status, 502);
  EXPECT_EQ(mock.pins("LK-1")->size(), 1u);  // the job ran although the answer was lost
}

TEST(MockFaults, ProbabilityIsSeededAndReproducible) {
  // One call a minute; `noise` extra calls to another path come first each time.
  auto pattern = [](std::uint64_t seed, int noise) {
    Mock mock;
    Api api(mock);
    api.login();
    EXPECT_TRUE(mock.add_fault({{"kind", "http_error"}, {"probability", 0.5}, {"seed", seed}, {"path", "/igloohome"}}));
    const Instant start = mock.now();
    std::string out;
    for (int i = 0; i < 64; ++i) {
      mock.set_now(start + Minutes{i});
      for (int n = 0; n < noise; ++n) api.get("/igloohome/devices/LK-2");
      out += api.get("/igloohome/devices").status == 200 ? '.' : 'X';
    }
    return out;
  };
  const std::string a = pattern(7, 0);
  EXPECT_EQ(a, pattern(7, 0));
  EXPECT_NE(a, pattern(8, 0));
  // Which calls fail depends on the call, not on how many came before it: an
  // implementation that makes extra calls meets the same failures on the rest.
  EXPECT_EQ(a, pattern(7, 3));
  const auto failures = std::count(a.begin(), a.end(), 'X');
  EXPECT_GT(failures, 10);
  EXPECT_LT(failures, 54);
}

// An injected 4xx answers like the mock's own: C6's terminal failures (403, 404)
// can be played without taking a device away from the world.
TEST(MockFaults, HttpErrorCanBeAClientErrorWithTheMocksOwnCode) {
  Mock mock;
  Api api(mock);
  api.login();
  for (const auto& [status, code] : std::vector<std::pair<int, std::string>>{
           {404, "not_found"}, {403, "forbidden"}, {406, "bridge_offline"}, {418, "client_error"}, {503, "internal_error"}}) {
    const auto id = mock.add_fault({{"kind", "http_error"}, {"status", status}, {"path", "/igloohome/devices/LK-1"}});
    ASSERT_TRUE(id) << status;
    auto a = api.create_pin("482913", kStart, kEnd);
    EXPECT_EQ(a.status, status);
    EXPECT_EQ(a.body["error"], code) << a.body.dump();
    mock.remove_fault(*id);
  }
  EXPECT_TRUE(mock.pins("LK-1")->empty());  // answered before the handler: no job ran
  for (int bad : {399, 600, 200}) {
    auto refused = mock.add_fault({{"kind", "http_error"}, {"status", bad}});
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("status"), std::string::npos) << refused.error().message;
  }
}

TEST(MockFaults, RateLimitIs429WithRetryAfter) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "rate_limit"}, {"retry_after_seconds", 120}, {"path", "/igloohome/"}}));
  auto a = api.get("/igloohome/devices");
  EXPECT_EQ(a.status, 429);
  EXPECT_EQ(a.body["error"], "rate_limited");
  EXPECT_EQ(a.response[http::field::retry_after], "120");
  EXPECT_EQ(api.token_form("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret").status, 200);
}

TEST(MockFaults, NetworkFaultsBecomeTransportFailuresInProcess) {
  using Kind = net::TransportFailure::Kind;
  const std::vector<std::pair<std::string, Kind>> cases = {
      {"connection_reset", Kind::reset}, {"empty_response", Kind::empty_response}, {"malformed_body", Kind::malformed}};
  for (const auto& [kind, expected] : cases) {
    Mock mock;
    ASSERT_TRUE(mock.add_fault({{"kind", kind}, {"path", "/oauth2/token"}}));
    InProcessTransport transport(mock);
    auto res = transport.send(make_request(http::verb::post, "/oauth2/token",
                                           "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                                           "application/x-www-form-urlencoded"));
    ASSERT_FALSE(res.has_value()) << kind;
    EXPECT_EQ(res.error().kind, expected) << kind;
    const auto journal = mock.journal();
    ASSERT_EQ(journal.size(), 1u);
    EXPECT_NE(journal[0].transport, "normal");
  }
}

TEST(MockFaults, MalformedBodyIsBrokenJsonInTheReply) {
  Mock mock;
  ASSERT_TRUE(mock.add_fault({{"kind", "malformed_body"}}));
  auto reply = mock.handle(make_request(http::verb::get, "/igloohome/devices"));
  EXPECT_EQ(reply.transport, Reply::Transport::malformed);
  EXPECT_TRUE(json::parse(reply.response.body(), nullptr, false).is_discarded());
}

TEST(MockFaults, LatencyAboveTheTimeoutIsATimeout) {
  Mock mock;
  ASSERT_TRUE(mock.add_fault({{"kind", "latency"}, {"milliseconds", 1500}, {"path", "/igloohome"}}));
  auto reply = mock.handle(make_request(http::verb::get, "/igloohome/devices"));
  EXPECT_EQ(reply.latency, std::chrono::milliseconds{1500});
  InProcessTransport patient(mock, std::chrono::seconds{2});
  auto slow = patient.send(make_request(http::verb::get, "/igloohome/devices"));
  ASSERT_TRUE(slow.has_value());  // answered (401: no token), just late
  EXPECT_EQ(slow->result_int(), 401u);
  InProcessTransport hasty(mock, std::chrono::seconds{1});
  auto timed_out = hasty.send(make_request(http::verb::get, "/igloohome/devices"));
  ASSERT_FALSE(timed_out.has_value());
  EXPECT_EQ(timed_out.error().kind, net::TransportFailure::Kind::timeout);
}

TEST(MockFaults, TokenExpiryShortensTokensIssuedInItsWindow) {
  Mock mock;
  Api api(mock);
  const std::string before = api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "token_expiry"}, {"after_seconds", 600}, {"from", "2026-01-01T00:00:01Z"}}));
  mock.set_now(at("2026-01-01T00:00:01Z"));
  const std::string during = api.login();
  mock.set_now(at("2026-01-01T00:10:01Z"));
  api.set_token(during);
  auto a = api.get("/igloohome/devices");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.body["message"], "token expired");
  api.set_token(before);  // issued before the window: full lifetime
  EXPECT_EQ(api.get("/igloohome/devices").status, 200);
}

TEST(MockFaults, BridgeOfflineWithoutTargetTakesEveryBridge) {
  World w = default_world();
  w.bridges.push_back(Bridge{"BR-2", "second", 100});
  w.locks.push_back(Lock{"LK-3", "third", "BR-2", "s3", true, 50});
  Mock mock(w);
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "bridge_offline"}, {"target", "BR-2"}}));
  EXPECT_EQ(api.create_pin("1234", kStart, kEnd).status, 200);
  EXPECT_EQ(api.create_pin("1234", kStart, kEnd, "LK-3", "BR-2").status, 406);
  ASSERT_TRUE(mock.add_fault({{"kind", "bridge_offline"}}));
  EXPECT_EQ(api.create_pin("1235", kStart, kEnd).status, 406);
}

TEST(MockFaults, FaultSpecsAreCheckedFieldByField) {
  Mock mock;
  struct Case {
    json spec;
    std::string field;
  };
  const std::vector<Case> cases = {
      {json{{"target", "BR-1"}}, "kind"},
      {json{{"kind", "meteor"}}, "kind"},
      {json{{"kind", "bridge_offline"}, {"minutes", 3}}, "minutes"},
      {json{{"kind", "bridge_offline"}, {"from", "soon"}}, "from"},
      {json{{"kind", "bridge_offline"}, {"from", "2026-01-02T00:00:00Z"}, {"until", "2026-01-01T00:00:00Z"}}, "until"},
      {json{{"kind", "job_pending"}}, "minutes"},
      {json{{"kind", "job_pending"}, {"minutes", 0}}, "minutes"},
      {json{{"kind", "http_error"}, {"status", 302}}, "status"},
      {json{{"kind", "http_error"}, {"probability", 1.5}}, "probability"},
      {json{{"kind", "http_error"}, {"path", "igloohome"}}, "path"},
      {json{{"kind", "http_error"}, {"path", "/__admin"}}, "path"},
      {json{{"kind", "latency"}}, "milliseconds"},
      {json{{"kind", "token_expiry"}}, "after_seconds"},
      {json{{"kind", "pin_rejected"}}, "pins"},
      {json{{"kind", "pin_rejected"}, {"pattern", "("}}, "pattern"},
      {json{{"kind", "pin_rejected"}, {"target", "BR-1"}, {"pins", {"1234"}}}, "target"},
      {json{{"kind", "connection_reset"}, {"seed", -1}}, "seed"},
  };
  for (const auto& c : cases) {
    auto r = mock.add_fault(c.spec);
    ASSERT_FALSE(r.has_value()) << c.spec.dump();
    EXPECT_EQ(r.error().field, c.field) << c.spec.dump() << " " << r.error().message;
    EXPECT_EQ(r.error().message.rfind(c.field + ":", 0), 0u) << r.error().message;
  }
  EXPECT_TRUE(mock.faults().empty());
  auto named = mock.add_fault({{"kind", "bridge_offline"}, {"id", "outage"}});
  ASSERT_TRUE(named);
  EXPECT_EQ(*named, "outage");
  EXPECT_FALSE(mock.add_fault({{"kind", "bridge_offline"}, {"id", "outage"}}));
}

}  // namespace
}  // namespace lockstep::mock::testing
