// Fuzz target: the scenario loader on arbitrary text read as a YAML file
// (yaml_input.hpp, then the same loader as JSON). Loading either returns
// scenarios or one error whose message names the file — never a throw, never a
// crash, whatever the nesting, anchors or tags — and a YAML document that loads
// is the same document the converter gives on a second reading.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/yaml_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto doc = lockstep::harness::yaml_input::parse(text);
  const auto again = lockstep::harness::yaml_input::parse(text);
  LOCKSTEP_FUZZ_CHECK(doc.has_value() == again.has_value(), "not deterministic");
  if (doc) {
    LOCKSTEP_FUZZ_CHECK(doc->value == again->value, "not deterministic");
    LOCKSTEP_FUZZ_CHECK(doc->line_of("") >= 1, "the document has no line");
  } else {
    LOCKSTEP_FUZZ_CHECK(doc.error().line >= 1 && doc.error().column >= 1, doc.error().message);
  }
  const auto loaded = lockstep::harness::parse_scenarios_text(text, "fuzz.yaml");
  if (!loaded) {
    LOCKSTEP_FUZZ_CHECK(loaded.error().message.find("fuzz.yaml") != std::string::npos, loaded.error().message);
    return 0;
  }
  LOCKSTEP_FUZZ_CHECK(doc.has_value(), "scenarios from text that is no YAML document");
  for (const auto& s : *loaded) LOCKSTEP_FUZZ_CHECK(!s.name.empty(), s.json_path);
  return 0;
}
