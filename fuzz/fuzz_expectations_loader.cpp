// Fuzz target: the conform expectations loader (conform_expectations.hpp) on
// arbitrary text. It either returns entries that keep the file's promises — a
// non-empty scenario, a known rule id, a non-empty reason, a booking that is
// absent or non-empty — or one error with a message of bounded size (values are
// cut, nesting is bounded: issue 14), never a throw or a crash. Reading the same
// text twice gives the same answer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/harness/conform_expectations.hpp"
#include "lockstep/rule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto loaded = lockstep::harness::parse_expectations(text, "fuzz.json");
  const auto again = lockstep::harness::parse_expectations(text, "fuzz.json");
  LOCKSTEP_FUZZ_CHECK(loaded.has_value() == again.has_value(), "not deterministic");
  if (!loaded) {
    const auto& message = loaded.error().message;
    LOCKSTEP_FUZZ_CHECK(!message.empty(), "an error without a message");
    LOCKSTEP_FUZZ_CHECK(message.size() < 2000, message.substr(0, 200));
    LOCKSTEP_FUZZ_CHECK(message == again.error().message, message);
    return 0;
  }
  LOCKSTEP_FUZZ_CHECK(loaded->accepted.size() == again->accepted.size(), "not deterministic");
  const auto ids = lockstep::rule_ids();
  for (const auto& a : loaded->accepted) {
    LOCKSTEP_FUZZ_CHECK(!a.scenario.empty(), "an entry without a scenario");
    LOCKSTEP_FUZZ_CHECK(std::find(ids.begin(), ids.end(), a.rule) != ids.end(), a.rule);
    LOCKSTEP_FUZZ_CHECK(!a.reason.empty(), "an entry without a reason");
    LOCKSTEP_FUZZ_CHECK(!a.booking || (!a.booking->empty() && *a.booking != "*"), "booking \"\" or \"*\" kept");
    // An entry accepts what it names.
    LOCKSTEP_FUZZ_CHECK(loaded->find(a.scenario, a.rule, a.booking.value_or("any")) != nullptr, a.scenario);
  }
  return 0;
}
