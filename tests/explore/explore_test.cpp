// The explorer: generated scenarios are valid and reproducible, the reference
// engine passes its invariants on many random worlds, runs are deterministic,
// shrinking keeps a failure while removing what does not matter, and a
// deliberately wrong implementation is found and shrunk.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>

// nlohmann::json inlined at -O2 trips g++ 12's -Wnull-dereference (a false positive).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "lockstep/harness/explore.hpp"
#include "lockstep/harness/scenario_loader.hpp"

namespace lockstep::harness {
namespace {

TEST(ExploreGenerate, SameSeedSameScenarioAndItLoads) {
  for (int i = 0; i < 30; ++i) {
    const auto seed = run_seed(42, i);
    const auto a = generate_scenario(seed);
    EXPECT_EQ(a, generate_scenario(seed));
    auto loaded = parse_scenarios(a, "explore.json");
    ASSERT_TRUE(loaded) << loaded.error().message << "\n" << a.dump(2);
    EXPECT_FALSE(loaded->front().timeline.empty());
  }
  EXPECT_NE(generate_scenario(run_seed(42, 0)), generate_scenario(run_seed(42, 1)));
  EXPECT_NE(run_seed(1, 0), run_seed(2, 0));
}

// Every drawn scenario loads, including stays already under way at the start,
// whose in-stay changes were drawn before it (seed 11, run 362 was refused).
TEST(ExploreGenerate, EveryDrawLoadsNothingBeforeTheStart) {
  for (int i = 0; i < 400; ++i) {
    const auto a = generate_scenario(run_seed(11, i));
    auto loaded = parse_scenarios(a, "explore.json");
    ASSERT_TRUE(loaded) << "run " << i << ": " << loaded.error().message;
  }
}

TEST(ExploreGenerate, DrawsAcrossTheSpace) {
  // Over a few hundred runs the swarm must reach every kind of event and fault,
  // many zones and both lock kinds — otherwise the explorer silently explores less.
  std::set<std::string> zones, kinds, faults, locks;
  for (int i = 0; i < 300; ++i) {
    const auto s = generate_scenario(run_seed(7, i));
    for (const auto& p : s["properties"]) zones.insert(p["timezone"].get<std::string>());
    for (const auto& l : s["locks"]) locks.insert(l["lock"].get<std::string>());
    for (const auto& e : s["timeline"]) {
      kinds.insert(e["do"].get<std::string>());
      if (e.contains("fault")) faults.insert(e["fault"]["kind"].get<std::string>());
    }
  }
  EXPECT_GT(zones.size(), 150u);
  for (const char* k : {"put_booking", "cancel_booking", "fault_on", "fault_off", "disconnect", "connect", "assign_lock"}) {
    EXPECT_TRUE(kinds.count(k)) << k;
  }
  for (const char* f : {"bridge_offline", "http_error", "rate_limit", "job_pending", "token_expiry"}) {
    EXPECT_TRUE(faults.count(f)) << f;
  }
  EXPECT_TRUE(locks.count("LK-ALGO"));
  EXPECT_TRUE(locks.count("LK-2"));
}

TEST(ExploreReference, InvariantsHoldOnRandomWorlds) {
  for (int i = 0; i < 60; ++i) {
    const auto seed = run_seed(2026, i);
    const auto s = generate_scenario(seed);
    const auto verdict = check_reference(s, seed);
    EXPECT_TRUE(verdict.problems.empty()) << "run " << i << " seed " << seed << ": " << verdict.problems.front()
                                          << "\nreplay: lockstep explore --seed 2026 --runs " << i + 1;
  }
}

TEST(ExploreReference, RunsAreDeterministic) {
  for (int i = 0; i < 5; ++i) {
    const auto seed = run_seed(99, i);
    const auto s = generate_scenario(seed);
    const auto a = check_reference(s, seed);
    const auto b = check_reference(s, seed);
    EXPECT_EQ(a.trace_hash, b.trace_hash) << "seed " << seed;
    EXPECT_EQ(a.trace_hash.size(), 16u);
  }
}

TEST(ExploreReference, AViolatedInvariantIsReported) {
  // A scenario whose lock replacement is refused (LK-2 is not in this account)
  // reports the refused command: the checker does look at what happened.
  auto s = generate_scenario(run_seed(5, 0));
  s["timeline"].push_back({{"at", s["start"]}, {"do", "assign_lock"}, {"property", "P1"}, {"lock", "LK-NOPE"}});
  const auto verdict = check_reference(s, 1);
  ASSERT_FALSE(verdict.problems.empty());
  EXPECT_NE(verdict.problems.front().find("unknown_lock"), std::string::npos) << verdict.problems.front();
}

TEST(ExploreShrink, KeepsTheFailureAndDropsTheRest) {
  // A failure that needs exactly booking B2 and the fault f1: everything else goes.
  nlohmann::json s;
  for (int i = 0; i < 40 && !s.is_object(); ++i) {
    auto c = generate_scenario(run_seed(3, i));
    bool has_b2 = false, has_f1 = false;
    for (const auto& b : c["bookings"]) has_b2 |= b["id"] == "B2";
    for (const auto& e : c["timeline"]) has_f1 |= e.value("id", "") == "f1";
    if (has_b2 && has_f1 && c["bookings"].size() >= 3) s = c;
  }
  ASSERT_TRUE(s.is_object());
  auto fails = [](const nlohmann::json& c) {
    bool b2 = false, f1 = false;
    for (const auto& b : c["bookings"]) b2 |= b["id"] == "B2";
    for (const auto& e : c["timeline"]) f1 |= e.value("id", "") == "f1" && e["do"] == "fault_on";
    return b2 && f1;
  };
  int steps = 0;
  const auto shrunk = shrink_scenario(s, fails, &steps);
  EXPECT_TRUE(fails(shrunk));
  EXPECT_GT(steps, 0);
  ASSERT_EQ(shrunk["bookings"].size(), 1u);
  EXPECT_EQ(shrunk["bookings"][0]["id"], "B2");
  for (const auto& e : shrunk["timeline"]) EXPECT_EQ(e.value("id", ""), "f1") << e.dump();
  EXPECT_TRUE(shrunk["probes"].empty());
  EXPECT_TRUE(parse_scenarios(shrunk, "shrunk.json")) << shrunk.dump(2);
}

// Findings of the explorer, kept as scenarios the reference must pass (each
// file's description says what it was).
TEST(ExploreRegressions, CheckerFalseAlarmsStayFixed) {
  const std::pair<const char*, std::uint64_t> found[] = {{"drifted-algopin-made-late.json", 8387330837408538263ULL},
                                                         {"stay-moved-before-old-window.json", 230977437389293561ULL},
                                                         {"resend-at-a-due-retry.json", 783717406087176237ULL},
                                                         {"delete-poll-rate-limited.json", 962429995304891165ULL}};
  for (const auto& [name, seed] : found) {
    const auto path = std::filesystem::path(LOCKSTEP_SOURCE_DIR) / "tests/explore/data" / name;
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    const auto scenario = nlohmann::json::parse(in);
    const auto verdict = check_reference(scenario, seed);
    EXPECT_TRUE(verdict.problems.empty()) << name << ": " << fmt::format("{}", fmt::join(verdict.problems, "\n"));
  }
}

// Each conformance mutant of examples/python-sut breaks one rule. The explorer
// must find it, name that rule as the failure's principal rule, and shrink to a
// small scenario that still fails with the mutant, cites the rule, and passes
// with the unbroken implementation (so the finding is the mutant's, not noise
// of the harness).
struct Mutant {
  const char* name;
  const char* rule;
};
// Names the case in test listings (ctest shows the parameter).
void PrintTo(const Mutant& m, std::ostream* os) { *os << m.name << " (" << m.rule << ")"; }

class ExploreMutants : public ::testing::TestWithParam<Mutant> {};

TEST_P(ExploreMutants, IsFoundShrunkAndCitesItsRule) {
  const auto [mutant, rule] = GetParam();
  const std::string sut = std::string(LOCKSTEP_SOURCE_DIR) + "/examples/python-sut/sut.py";
  ASSERT_TRUE(std::filesystem::exists(sut)) << sut;
  ExploreOptions options;
  options.seed = 11;
  options.runs = 100;
  options.sut_command = std::string(LOCKSTEP_PYTHON) + " " + sut + " --mutant " + mutant;
  options.out_dir = std::filesystem::temp_directory_path() / ("lockstep-explore-" + std::string(mutant));
  options.max_shrink_checks = 60;
  const auto result = explore(options);
  ASSERT_TRUE(result.error.empty()) << result.error;
  ASSERT_TRUE(result.finding) << "mutant " << mutant << " not found in " << result.runs << " runs";
  const auto& f = *result.finding;
  EXPECT_EQ(f.rule, rule_from_string(rule)) << fmt::format("{}", fmt::join(f.problems, "\n"));
  EXPECT_TRUE(std::any_of(f.failures.begin(), f.failures.end(),
                          [&](const report::Failure& x) { return x.rule == rule; }))
      << fmt::format("{}", fmt::join(f.problems, "\n"));
  EXPECT_LE(f.shrunk["bookings"].size(), f.original["bookings"].size());
  EXPECT_LE(f.shrunk["bookings"].size(), 2u) << f.shrunk.dump(2);
  EXPECT_TRUE(std::filesystem::exists(f.file));
  EXPECT_NE(f.replay.find("--replay"), std::string::npos);
  // The written scenario still fails on its own, and only because of the mutation.
  EXPECT_FALSE(check_sut(f.shrunk, f.run_seed, options.sut_command).problems.empty());
  const auto unbroken = check_sut(f.shrunk, f.run_seed, std::string(LOCKSTEP_PYTHON) + " " + sut).problems;
  EXPECT_TRUE(unbroken.empty()) << fmt::format("{}", fmt::join(unbroken, "\n")) << "\n" << f.shrunk.dump(2);
}

INSTANTIATE_TEST_SUITE_P(
    PythonSut, ExploreMutants,
    ::testing::Values(Mutant{"margin_before_only", "T2"}, Mutant{"dst_gap_transition", "T1"},
                      Mutant{"generation_day_late", "T3"}, Mutant{"retry_wall_clock_hours", "T4"},
                      Mutant{"retry_past_deadline", "T4"}, Mutant{"no_retries", "T4"},
                      Mutant{"no_uniqueness", "C1"}, Mutant{"phone_no_fallback", "C2"},
                      Mutant{"algopin_end_floor", "C5"}, Mutant{"cancel_keeps_pin", "B2"},
                      Mutant{"no_token_refresh", "L1"}, Mutant{"calls_after_disconnect", "L4"}),
    [](const ::testing::TestParamInfo<Mutant>& param) { return std::string(param.param.name); });

std::vector<report::Failure> citing(std::initializer_list<const char*> rules) {
  std::vector<report::Failure> out;
  for (const char* r : rules) out.push_back({.rule = r, .what = "x", .message = "x"});
  return out;
}

TEST(ExplorePrincipalRule, PrefersTheCauseToItsSymptoms) {
  // A window difference shows again in deletions and doors: the window is the cause.
  EXPECT_EQ(principal_rule(citing({"C4", "L3", "T2"})), Rule::T2);
  // A local-time reading shapes the window.
  EXPECT_EQ(principal_rule(citing({"T2", "T1"})), Rule::T1);
  // A dedicated check names its bug even among downstream differences.
  EXPECT_EQ(principal_rule(citing({"T4", "C5", "L1"})), Rule::L1);
  EXPECT_EQ(principal_rule(citing({"M1"})), Rule::M1);
  // A protocol error or a determinism failure cites no rule.
  EXPECT_EQ(principal_rule(citing({""})), std::nullopt);
}

}  // namespace
}  // namespace lockstep::harness
