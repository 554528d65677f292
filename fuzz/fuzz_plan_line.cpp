// Fuzz target: one input line of `lockstep plan` (plan-cli.md). Whatever the
// bytes, plan_line must answer with exactly one line of valid JSON carrying an
// `id`, and either the four schedule instants (ok) or an error with one of the
// contract's codes. For an ok answer the schedule must also make sense: the
// window is not empty and the first attempt comes before the retry deadline or
// the booking was made late. And it is differential: the answer must be byte for
// byte that of the nlohmann implementation plan_line replaced
// (tests/time/plan_reference.cpp, compiled in here as the reference).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "lockstep/harness/plan_line.hpp"
#include "lockstep/time.hpp"
// The reference is test code, not a library: its one source file is compiled here.
#include "../tests/time/plan_reference.cpp"

namespace {

lockstep::Instant instant_field(const nlohmann::json& out, const char* field, const std::string& line) {
  LOCKSTEP_FUZZ_CHECK(out.contains(field) && out[field].is_string(), line);
  auto t = lockstep::parse_instant(out[field].get<std::string>());
  LOCKSTEP_FUZZ_CHECK(t.has_value(), line);
  // The contract's form exactly: YYYY-MM-DDTHH:MM:SSZ.
  LOCKSTEP_FUZZ_CHECK(lockstep::format_instant(*t) == out[field].get<std::string>(), line);
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = lockstep::harness::plan_line(input, 1);
  const std::string& line = result.json;

  const auto expected = lockstep::plan_reference::plan_line(input, 1);
  LOCKSTEP_FUZZ_CHECK(expected.json == line && expected.ok == result.ok, "simdjson " + line + "\n  reference " + expected.json);
  LOCKSTEP_FUZZ_CHECK(line.find('\n') == std::string::npos, line);
  const auto out = nlohmann::json::parse(line, nullptr, false);
  LOCKSTEP_FUZZ_CHECK(!out.is_discarded() && out.is_object(), line);
  LOCKSTEP_FUZZ_CHECK(out.contains("id"), line);

  // The id is echoed as given (plan-cli.md: "in the same order", matched by id).
  // nlohmann stops at a NUL byte as if the input ended there; JSON text cannot
  // hold one, so such a line is no JSON object and has no id to echo.
  const auto in = input.find('\0') == std::string_view::npos ? nlohmann::json::parse(input, nullptr, false)
                                                              : nlohmann::json(nlohmann::json::value_t::discarded);
  if (!in.is_discarded() && in.is_object() && in.contains("id")) {
    LOCKSTEP_FUZZ_CHECK(out["id"] == in["id"], line);
  }

  if (!result.ok) {
    static const std::set<std::string> codes{"invalid_json", "invalid_timezone", "invalid_booking",
                                             "invalid_setting", "stay_too_long"};
    LOCKSTEP_FUZZ_CHECK(out.contains("error") && out["error"].is_object(), line);
    LOCKSTEP_FUZZ_CHECK(out["error"].contains("code") && out["error"]["code"].is_string(), line);
    LOCKSTEP_FUZZ_CHECK(codes.count(out["error"]["code"].get<std::string>()) == 1, line);
    LOCKSTEP_FUZZ_CHECK(!out.contains("valid_from"), line);
    return 0;
  }
  LOCKSTEP_FUZZ_CHECK(!out.contains("error"), line);
  const auto from = instant_field(out, "valid_from", line);
  const auto until = instant_field(out, "valid_until", line);
  instant_field(out, "generate_at", line);
  const auto deadline = instant_field(out, "retry_deadline", line);
  LOCKSTEP_FUZZ_CHECK(from < until, line);
  // T4: the deadline ends the check-in day, which starts at or before valid_from
  // + margin (<= 240 min): it can never come before the window opens minus a day.
  LOCKSTEP_FUZZ_CHECK(deadline > from - std::chrono::hours(24), line);
  LOCKSTEP_FUZZ_CHECK(out.contains("algopin"), line);
  if (!out["algopin"].is_null()) {
    const auto start = instant_field(out["algopin"], "start", line);
    const auto end = instant_field(out["algopin"], "end", line);
    // C5: the requested window covers the validity window.
    LOCKSTEP_FUZZ_CHECK(start <= from && end >= until, line);
  }
  return 0;
}
