// Fuzz target: a world file (docs/mock.md) as the harness reads one — the bounded
// parser (json_input.hpp), then the mock's public world loader,
// mock::world_from_json. Either a world comes back that survives a round trip
// (world_to_json, then world_from_json again, gives the same world), or one error
// with a message of bounded size — never a throw or a crash, whatever the nesting.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/json_input.hpp"
#include "lockstep/mock/world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = lockstep::json_input::parse(text);
  if (!parsed) {
    LOCKSTEP_FUZZ_CHECK(!parsed.error().message.empty(), "a parse error without a message");
    LOCKSTEP_FUZZ_CHECK(parsed.error().source_line.size() <= 200, "an unbounded excerpt");
    return 0;
  }
  const auto world = lockstep::mock::world_from_json(*parsed);
  if (!world) {
    LOCKSTEP_FUZZ_CHECK(!world.error().message.empty(), "an error without a message");
    return 0;
  }
  const auto written = lockstep::mock::world_to_json(*world);
  const auto reread = lockstep::mock::world_from_json(written);
  LOCKSTEP_FUZZ_CHECK(reread.has_value(), written.dump().substr(0, 300) + " -> " + reread.error().message);
  LOCKSTEP_FUZZ_CHECK(lockstep::mock::world_to_json(*reread) == written, written.dump().substr(0, 300));
  return 0;
}
