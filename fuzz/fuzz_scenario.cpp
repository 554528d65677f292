// Fuzz target: the scenario loader (docs/scenario-format.md) on arbitrary text.
// Loading is all or nothing: it either returns scenarios or one error whose
// message names the file (and, for a bad field, whose `field` is the JSON path)
// — never a throw, never a crash, never a half-read suite. Loaded scenarios keep
// their promises: a timeline sorted by instant and probes sorted too, and a
// generator scenario expands without crashing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/harness/scenario_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto loaded = lockstep::harness::parse_scenarios_text(text, "fuzz.json");
  if (!loaded) {
    LOCKSTEP_FUZZ_CHECK(loaded.error().message.find("fuzz.json") != std::string::npos, loaded.error().message);
    return 0;
  }
  for (const auto& s : *loaded) {
    LOCKSTEP_FUZZ_CHECK(!s.name.empty(), s.json_path);
    LOCKSTEP_FUZZ_CHECK(std::is_sorted(s.timeline.begin(), s.timeline.end(),
                                       [](const auto& a, const auto& b) { return a.at < b.at; }),
                        s.name);
    LOCKSTEP_FUZZ_CHECK(std::is_sorted(s.probes.begin(), s.probes.end(),
                                       [](const auto& a, const auto& b) { return a.at < b.at; }),
                        s.name);
    // Generators are expanded only when small: a fuzzer must not spend its time
    // building a year of 200 properties.
    if (s.generator && s.generator->properties * s.generator->stays_per_property <= 50 &&
        s.generator->days <= 60 && s.generator->outages <= 20) {
      const auto expanded = lockstep::harness::expand_generator(s, 1);
      LOCKSTEP_FUZZ_CHECK(std::is_sorted(expanded.timeline.begin(), expanded.timeline.end(),
                                         [](const auto& a, const auto& b) { return a.at < b.at; }),
                          s.name);
    }
  }
  return 0;
}
