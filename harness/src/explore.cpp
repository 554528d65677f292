// The explorer session: draw, judge, shrink, write the finding (explore.hpp).
#include "lockstep/harness/explore.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include <date/tz.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/checkers/no_residual_access.hpp"
#include "lockstep/harness/checkers/no_wrongful_lockout.hpp"
#include "lockstep/harness/checkers/silent_after_disconnect.hpp"
#include "lockstep/harness/checkers/unchanged_resend.hpp"
#include "lockstep/harness/checkers/unique_pins.hpp"
#include "lockstep/harness/conform.hpp"
#include "lockstep/harness/reference_participant.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/random.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {

ExploreResult explore(const ExploreOptions& options) {
  ExploreResult result;
  auto say = [&](std::string_view line) {
    if (options.log) options.log(line);
  };
  const bool sut = !options.sut_command.empty();
  const int shards = std::max(1, options.shard_count);
  say(fmt::format("explore: seed {}, {} runs{}, {}{}", options.seed, options.runs,
                  shards > 1 ? fmt::format(" (shard {} of {})", options.shard_index + 1, shards) : std::string(),
                  sut ? "implementation under test: " + options.sut_command : std::string("reference engine"),
                  options.check_determinism ? ", determinism checked" : ""));
  auto judge = [&](const nlohmann::json& s, std::uint64_t seed) {
    return sut ? check_sut(s, seed, options.sut_command, options.request_timeout) : check_reference(s, seed);
  };
  for (int i = 0; i < options.runs; ++i) {
    if (i % shards != options.shard_index) continue;
    if (options.stop && options.stop()) {
      result.interrupted = true;
      say(fmt::format("explore: interrupted after {} of {} runs", result.runs, options.runs));
      return result;
    }
    const std::uint64_t seed = run_seed(options.seed, i);
    const nlohmann::json scenario = generate_scenario(seed, options.platform_traffic);
    say(fmt::format("run {} seed {}: {}", i, seed, scenario["description"].get<std::string>()));
    RunVerdict verdict = judge(scenario, seed);
    ++result.runs;
    bool determinism_failure = false;
    if (verdict.problems.empty() && options.check_determinism) {
      const RunVerdict again = judge(scenario, seed);
      if (again.trace_hash != verdict.trace_hash || again.problems != verdict.problems) {
        determinism_failure = true;
        verdict.problems.push_back(fmt::format("determinism: trace hash {} then {}", verdict.trace_hash,
                                               again.trace_hash));
      }
    }
    result.played.push_back(
        {i, seed, scenario["description"].get<std::string>(), verdict.problems.empty(), verdict.lockout});
    result.lockout.minutes += verdict.lockout.minutes;
    for (const auto& [cause, minutes] : verdict.lockout.by_cause) result.lockout.by_cause[cause] += minutes;
    say(fmt::format("{} run {} seed {} (lockout {} min)", verdict.problems.empty() ? "PASS" : "FAIL", i, seed,
                    verdict.lockout.minutes));
    if (verdict.problems.empty()) continue;

    ExploreFinding finding;
    finding.run_seed = seed;
    finding.run_index = i;
    finding.original = scenario;
    for (const auto& p : verdict.problems) say("  FAIL " + p);
    finding.rule = principal_rule(verdict.failures);
    if (finding.rule)
      say(fmt::format("  principal rule: {} (shrinking keeps a failure citing it)", to_string(*finding.rule)));
    auto fails = [&](const nlohmann::json& candidate) {
      if (determinism_failure) return judge(candidate, seed).trace_hash != judge(candidate, seed).trace_hash;
      const auto again = judge(candidate, seed);
      if (!finding.rule) return !again.problems.empty();
      return std::any_of(again.failures.begin(), again.failures.end(), [&](const report::Failure& f) {
        return rule_from_string(f.rule) == finding.rule;
      });
    };
    finding.shrunk = options.shrink ? shrink_scenario(scenario, fails, &finding.shrink_steps, options.max_shrink_checks) : scenario;
    finding.shrunk["description"] =
        fmt::format("Found by `lockstep explore --seed {}` (run {}, seed {}), shrunk in {} steps. Drawn: {}",
                    options.seed, i, seed, finding.shrink_steps, scenario["description"].get<std::string>());
    if (determinism_failure) {
      finding.problems = verdict.problems;
      finding.failures = {{.what = "determinism", .message = verdict.problems.back()}};
    } else {
      auto shrunk_verdict = judge(finding.shrunk, seed);
      finding.problems = std::move(shrunk_verdict.problems);
      finding.failures = std::move(shrunk_verdict.failures);
    }

    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    finding.file = options.out_dir / fmt::format("explore-{}.json", seed);
    std::ofstream out(finding.file);
    out << finding.shrunk.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    if (!out) {
      result.error = fmt::format("cannot write {}", finding.file.string());
    }
    std::error_code abs_ec;
    const auto absolute = std::filesystem::absolute(finding.file, abs_ec);
    finding.replay = fmt::format("{} explore --replay {} --seed {}", options.lockstep_binary,
                                 abs_ec ? finding.file.string() : absolute.string(), seed);
    if (sut) finding.replay += fmt::format(" --sut '{}'", options.sut_command);
    say(fmt::format("shrunk to {} bookings, {} events, {} probes ({} steps); problems:",
                    finding.shrunk.value("bookings", nlohmann::json::array()).size(),
                    finding.shrunk.value("timeline", nlohmann::json::array()).size(),
                    finding.shrunk.value("probes", nlohmann::json::array()).size(), finding.shrink_steps));
    for (const auto& p : finding.problems) say("  " + p);
    say("minimal scenario: " + finding.file.string());
    say("replay: " + finding.replay);
    result.finding = std::move(finding);
    return result;
  }
  std::string causes;
  for (const auto& [cause, minutes] : result.lockout.by_cause)
    causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", cause, minutes);
  say(fmt::format("explore: {} runs passed; lockout: {} guest-minute(s) inside stays{}", result.runs,
                  result.lockout.minutes, causes.empty() ? "" : " (" + causes + ")"));
  return result;
}

}  // namespace lockstep::harness
