// Fuzz target: one reply line from an implementation under test (sut-protocol.md),
// read by the real SutParticipant through its in-process line handler. The first
// byte picks which request the reply answers (init, connect, tick, get_code,
// render, put_booking); the rest is the reply line as the implementation wrote it.
// Whatever the bytes, the driver must not crash and must answer with a value or
// a named error: a reply it accepts has the fields the protocol promises, with
// their documented values; anything else is a protocol_error (the run ends with
// a message) or the implementation's own error code, never an exception.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/harness/sut_participant.hpp"

namespace {

using lockstep::harness::ReplyError;
using lockstep::harness::SutParticipant;

template <typename T>
void check_error_side(const std::expected<T, ReplyError>& reply, SutParticipant& sut, std::string_view line) {
  if (reply) {
    LOCKSTEP_FUZZ_CHECK(!sut.failure().has_value(), line);
    return;
  }
  LOCKSTEP_FUZZ_CHECK(!reply.error().code.empty(), line);
  if (sut.failure()) {
    // A protocol failure is named, remembered with its message, and ends the run.
    LOCKSTEP_FUZZ_CHECK(reply.error().code == "protocol_error", line);
    LOCKSTEP_FUZZ_CHECK(!sut.failure()->message.empty(), line);
    LOCKSTEP_FUZZ_CHECK(!sut.get_code("B1").has_value(), line);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int which = data[0] % 6;
  const std::string reply(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto sut = SutParticipant::in_process([&reply](std::string_view) { return reply; });

  switch (which) {
    case 0: {
      auto r = sut->init({});
      check_error_side(r, *sut, reply);
      break;
    }
    case 1: {
      auto r = sut->connect("demo-client", "demo-secret");
      check_error_side(r, *sut, reply);
      break;
    }
    case 2: {
      auto r = sut->tick(lockstep::Instant{});
      check_error_side(r, *sut, reply);
      break;
    }
    case 3: {
      auto r = sut->get_code("B1");
      check_error_side(r, *sut, reply);
      if (r) {
        static const std::set<std::string> statuses{"scheduled", "retrying", "active", "failed", "revoked", "none"};
        LOCKSTEP_FUZZ_CHECK(statuses.contains(r->status), reply);
        LOCKSTEP_FUZZ_CHECK(!r->kind || *r->kind == "pin" || *r->kind == "algopin", reply);
      }
      break;
    }
    case 4: {
      auto r = sut->render("B1", "Your door code: {{smartlock_code}}");
      check_error_side(r, *sut, reply);
      break;
    }
    default: {
      auto r = sut->put_booking({"B1", "P1", "2026-03-29T02:30", "2026-03-31T11:00", std::nullopt});
      check_error_side(r, *sut, reply);
      break;
    }
  }
  return 0;
}
