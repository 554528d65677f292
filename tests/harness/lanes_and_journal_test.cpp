// What conform's speed-ups must not change: a journal read from a mock in this
// process is the journal its admin API gives (bytes an implementation sent
// included), an entry read back from JSON is the entry, two lanes played at once
// give the traces each gives alone, and a pool started longest-first still plays
// every scenario once.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lockstep/harness/reference_participant.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/harness/worker_pool.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "lockstep/mock/mock.hpp"

namespace lockstep::harness {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using nlohmann::json;

net::Request request(http::verb verb, std::string target, std::string body = {},
                     std::string content_type = "application/json") {
  net::Request req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

// "Bearer <token>" for the demo account, or "" when the mock gives none.
std::string demo_bearer(mock::InProcessTransport& api) {
  auto token = api.send(request(http::verb::post, "/oauth2/token",
                                "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                                "application/x-www-form-urlencoded"));
  if (!token || token->result_int() != 200) return {};
  return "Bearer " + json::parse(token->body())["access_token"].get<std::string>();
}

// The bridge job that puts PIN 482913 on LK-1 for a stay of 10-12 January 2026.
net::Request pin_job_request(const std::string& bearer) {
  auto job = request(http::verb::post, "/igloohome/devices/LK-1/jobs/bridges/BR-1",
                     R"({"jobType":4,"jobData":{"accessName":"Guest","pin":"482913","pinType":4,)"
                     R"("startDate":"2026-01-10T14:00:00+01:00","endDate":"2026-01-12T11:00:00+01:00"}})");
  job.set(http::field::authorization, bearer);
  return job;
}

// A journal with what an implementation may send: bytes that are not UTF-8 in
// a path, a query and a client id; a body that is not JSON; a form.
void send_awkward_traffic(mock::InProcessTransport& api) {
  auto token = api.send(request(http::verb::post, "/oauth2/token",
                                "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                                "application/x-www-form-urlencoded"));
  ASSERT_TRUE(token);
  const auto access = json::parse(token->body())["access_token"].get<std::string>();
  auto authorised = [&](net::Request r) {
    r.set(http::field::authorization, "Bearer " + access);
    return r;
  };
  ASSERT_TRUE(api.send(authorised(request(http::verb::get, "/igloohome/devices/LK-\xff\xfe"))));
  ASSERT_TRUE(api.send(authorised(request(http::verb::get, "/igloohome/devices?cursor=\xc3(x"))));
  ASSERT_TRUE(api.send(authorised(request(http::verb::post, "/igloohome/devices/LK-1/jobs/bridges/BR-1", "not json"))));
  ASSERT_TRUE(api.send(authorised(request(
      http::verb::post, "/igloohome/devices/LK-1/jobs/bridges/BR-1",
      R"({"jobType":4,"jobData":{"accessName":"Guest \u00e9","pin":"482913","pinType":4,)"
      R"("startDate":"2026-01-10T14:00:00+01:00","endDate":"2026-01-12T11:00:00+01:00"}})"))));
  ASSERT_TRUE(api.send(request(http::verb::post, "/oauth2/token",
                               "grant_type=client_credentials&client_id=\xe2\x82&client_secret=x",
                               "application/x-www-form-urlencoded")));
}

TEST(MockControl, AJournalReadInProcessIsTheOneTheAdminApiGives) {
  mock::Mock mock;
  mock::InProcessTransport api(mock), admin(mock);
  send_awkward_traffic(api);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  MockControl over_api(admin);
  MockControl direct(admin, mock, MockControl::Traffic::foreign);
  auto a = over_api.journal();
  auto b = direct.journal();
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(a->size(), 6u);
  ASSERT_EQ(a->size(), b->size());
  bool replaced = false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const auto& x = (*a)[i];
    const auto& y = (*b)[i];
    EXPECT_EQ(x.to_json(), y.to_json()) << i << ": " << x.to_json().dump() << "\n vs " << y.to_json().dump();
    EXPECT_EQ(x.path, y.path) << i;
    EXPECT_EQ(x.query, y.query) << i;
    EXPECT_EQ(x.client, y.client) << i;
    replaced |= x.path.find("\xef\xbf\xbd") != std::string::npos;  // U+FFFD
  }
  EXPECT_TRUE(replaced) << "the path's bad bytes come back replaced";
  // The lane's own mock, read as its own traffic, keeps the bytes as they were.
  MockControl own(admin, mock);
  EXPECT_EQ((*own.journal())[1].path, "/igloohome/devices/LK-\xff\xfe");

  auto n_api = over_api.journal_size();
  auto n_direct = direct.journal_size();
  ASSERT_TRUE(n_api && n_direct);
  EXPECT_EQ(*n_api, 6u);
  EXPECT_EQ(*n_direct, 6u);
}

// Setting the clock of a mock in this process skips the admin API's JSON, not
// what it does: the bridge jobs due by then run, and a clock outside the years
// the mock keeps is refused as the admin API refuses it.
TEST(MockControl, AClockSetInProcessIsTheOneTheAdminApiSets) {
  std::string statuses[2];
  std::string refusals[2];
  for (int direct = 0; direct < 2; ++direct) {
    mock::Mock mock;
    mock::InProcessTransport api(mock), admin(mock);
    MockControl control = direct ? MockControl(admin, mock) : MockControl(admin);
    ASSERT_TRUE(control.set_now(mock.now()));
    const std::string bearer = demo_bearer(api);
    ASSERT_FALSE(bearer.empty());
    auto job_request = pin_job_request(bearer);
    auto job = api.send(std::move(job_request));
    ASSERT_TRUE(job);
    ASSERT_EQ(job->result_int(), 200) << job->body();
    const auto job_id = json::parse(job->body())["jobId"].get<std::string>();

    const Instant later = mock.now() + std::chrono::hours(1);
    ASSERT_TRUE(control.set_now(later));
    EXPECT_EQ(mock.now(), later);
    auto status_request = request(http::verb::get, "/igloohome/jobs/" + job_id);
    status_request.set(http::field::authorization, bearer);
    auto status = api.send(std::move(status_request));
    ASSERT_TRUE(status);
    auto body = json::parse(status->body());
    EXPECT_TRUE(body.value("completed", false)) << status->body();
    body.erase("expiryDate");  // written on the token's wall clock
    statuses[direct] = body.dump();

    auto refused = control.set_now(mock::kLatestInstant + Seconds{1});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::io_error);
    refusals[direct] = refused.error().message;
    EXPECT_EQ(mock.now(), later) << "a refused clock leaves the clock as it was";
  }
  EXPECT_EQ(statuses[0], statuses[1]);
  // Over the admin API the instant cannot even be written in four-digit years;
  // in process the refusal says why.
  EXPECT_NE(refusals[0].find("mock admin POST /__admin/clock: HTTP 400: now:"), std::string::npos) << refusals[0];
  EXPECT_EQ(refusals[1], "mock admin POST /__admin/clock: HTTP 400: now: outside years 0000-9999");
}

// A guest at the keypad of a mock in this process is judged by the mock
// directly, not through the admin API's JSON; the answers, the refusals and the
// keypad's own log are the ones the admin API gives.
TEST(MockControl, AKeypadEntryInProcessIsTheOneTheAdminApiJudges) {
  std::vector<std::string> answers[2];
  std::string activity[2];
  for (int direct = 0; direct < 2; ++direct) {
    mock::Mock mock;
    mock::InProcessTransport api(mock), admin(mock);
    MockControl control = direct ? MockControl(admin, mock) : MockControl(admin);
    const std::string bearer = demo_bearer(api);
    ASSERT_FALSE(bearer.empty());
    auto job_request = pin_job_request(bearer);
    ASSERT_EQ(api.send(std::move(job_request))->result_int(), 200);
    ASSERT_TRUE(control.set_now(mock.now() + std::chrono::hours(1)));  // the bridge job runs

    const auto in_stay = parse_instant("2026-01-11T12:00:00Z").value();
    const auto before = parse_instant("2026-01-10T12:00:00Z").value();
    const auto after = parse_instant("2026-01-12T10:30:00Z").value();
    struct Try {
      std::string lock, pin;
      Instant at;
    };
    for (const Try& t : {Try{"LK-1", "482913", in_stay}, Try{"LK-1", "000000", in_stay},
                         Try{"LK-1", "482913", before}, Try{"LK-1", "482913", after},
                         Try{"NO-SUCH-LOCK", "482913", in_stay}, Try{"LK-1/x", "482913", in_stay}}) {
      const auto door = control.enter(t.lock, t.pin, t.at);
      answers[direct].push_back(door ? fmt::format("{} {}", door->opens, door->reason) : door.error().message);
    }
    // The keypad's log as the API shows it, once every entry is in the past.
    ASSERT_TRUE(control.set_now(parse_instant("2026-01-13T00:00:00Z").value()));
    const std::string fresh = demo_bearer(api);
    ASSERT_FALSE(fresh.empty());
    auto log_request = request(http::verb::get, "/igloohome/devices/LK-1/activity");
    log_request.set(http::field::authorization, fresh);
    auto log = api.send(std::move(log_request));
    ASSERT_TRUE(log);
    activity[direct] = log->body();
  }
  ASSERT_EQ(answers[1].size(), 6u);
  EXPECT_EQ(answers[1][0], "true opened");
  EXPECT_EQ(answers[1][1], "false unknown_pin");
  EXPECT_EQ(answers[1][2], "false not_yet_valid");
  EXPECT_EQ(answers[1][3], "false expired");
  EXPECT_EQ(answers[1][4], "mock admin POST /__admin/locks/NO-SUCH-LOCK/enter: HTTP 404: no lock 'NO-SUCH-LOCK'");
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_EQ(activity[0], activity[1]);
  EXPECT_NE(activity[1].find("keypad_pin"), std::string::npos) << activity[1];
}

TEST(JournalEntry, FromJsonUndoesToJson) {
  mock::Mock mock;
  mock::InProcessTransport api(mock);
  send_awkward_traffic(api);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  for (const auto& entry : mock.journal()) {
    const json j = json::parse(entry.to_json().dump(-1, ' ', false, json::error_handler_t::replace));
    const auto back = mock::JournalEntry::from_json(j);
    EXPECT_EQ(back.to_json(), j) << j.dump();
    EXPECT_EQ(back.at, entry.at);
    EXPECT_EQ(back.status, entry.status);
    EXPECT_EQ(back.body(), entry.body());
    EXPECT_EQ(back.response(), entry.response());
  }
  // What is not an entry reads as an empty one.
  const auto none = mock::JournalEntry::from_json(json::array({1}));
  EXPECT_TRUE(none.path.empty());
  EXPECT_EQ(none.status, 0);
  EXPECT_TRUE(none.body().is_null());
}

// The traces a lane gives, in a form two runs can be compared by.
std::string fingerprint(const Trace& t) {
  std::string out = t.error + "|" + std::to_string(t.ticks.size()) + "|";
  for (const auto& c : t.commands)
    out += std::to_string(c.event_index) + (c.error ? c.error->code : "ok") + std::to_string(c.journal_size.value_or(0)) + ",";
  for (const auto& s : t.snapshots) out += format_instant(s.at) + s.booking + s.code.status + s.code.code.value_or("-") + ",";
  for (const auto& p : t.probes) out += std::string(p.opened ? "o" : "c");
  for (const auto& e : t.journal) out += e.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

struct ReferenceLane {
  explicit ReferenceLane(const Scenario& s)
      : mock(s.world ? *s.world : mock::default_world()),
        admin(mock),
        auth(mock),
        api(mock),
        control(admin, mock),
        participant(auth, api, ReferenceOptions{7, {}}) {}
  Lane lane() {
    Lane l{&participant, &control, {}};
    l.options.fault_seed = 7;
    return l;
  }
  mock::Mock mock;
  mock::InProcessTransport admin, auth, api;
  MockControl control;
  ReferenceParticipant participant;
};

TEST(Simulate, LanesPlayedAtOnceGiveTheTracesEachGivesAlone) {
  auto loaded = load_scenarios({fs::path(LOCKSTEP_SOURCE_DIR) / "scenarios" / "retries.json"});
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_FALSE(loaded->empty());
  std::size_t compared = 0;
  for (const auto& scenario : *loaded) {
    if (scenario.generator) continue;
    ReferenceLane alone(scenario);
    const Trace single = simulate(scenario, alone.participant, alone.control, alone.lane().options);
    ReferenceLane first(scenario), second(scenario);
    const std::vector<Lane> lanes{first.lane(), second.lane()};
    const auto both = simulate(scenario, lanes);
    ASSERT_EQ(both.size(), 2u);
    EXPECT_FALSE(single.journal.empty()) << scenario.name;
    EXPECT_EQ(fingerprint(both[0]), fingerprint(single)) << scenario.name;
    EXPECT_EQ(fingerprint(both[1]), fingerprint(single)) << scenario.name;
    ++compared;
  }
  EXPECT_GT(compared, 3u);
}

TEST(WorkerPool, LongestFirstStartsTheBiggestScenarioAndPlaysEachOnce) {
  std::vector<Scenario> suite(4);
  suite[0].timeline.resize(3);
  suite[1].timeline.resize(10);
  suite[2].generator = GeneratorSpec{};  // 10 properties x 10 stays
  suite[3].timeline.resize(10);
  const auto order = longest_first(suite);
  EXPECT_EQ(order, (std::vector<std::size_t>{2, 1, 3, 0}));  // equals keep suite order
  EXPECT_GT(estimated_work(suite[2]), estimated_work(suite[1]));

  std::vector<std::size_t> alone;
  for_each_in_pool(order, 1, {}, [&](std::size_t i) { alone.push_back(i); });
  EXPECT_EQ(alone, order);
  std::mutex m;
  std::vector<std::size_t> seen;
  for_each_in_pool(order, 3, {}, [&](std::size_t i) {
    std::lock_guard lock(m);
    seen.push_back(i);
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace lockstep::harness
