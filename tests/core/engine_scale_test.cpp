// The engine's stores past their first chunk (core/src/chunked_vector.hpp keeps
// bookings and PIN records in chunks of 16,384): bookings and records on either
// side of a chunk boundary are served, listed and revoked like any other.
#include <gtest/gtest.h>

#include <string>

#include "world.hpp"

namespace lockstep::testing {
namespace {

TEST(EngineScale, BookingsAndRecordsPastTheFirstChunkAreServedAndRevoked) {
  constexpr int kProperties = 16'384 + 616;  // one booking each, all at once: as many live PIN records
  World w("2026-05-01T00:00:00Z");
  ASSERT_TRUE(w.engine.connect({"demo-client", "demo-secret"}));
  for (int i = 0; i < kProperties; ++i) {
    const std::string property = "P" + std::to_string(i);
    const std::string lock = "LK-S" + std::to_string(i);
    w.igloohome.add_lock(lock, "BR-1");
    ASSERT_TRUE(w.engine.put_property(property, "Europe/Paris"));
    ASSERT_TRUE(w.engine.assign_lock(property, Brand::igloohome, lock));
    ASSERT_TRUE(w.book("b" + std::to_string(i), "2026-06-10T15:00", "2026-06-12T10:00", std::nullopt, property));
  }

  const auto ids = w.engine.booking_ids();
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kProperties));
  for (const int i : {0, 16'383, 16'384, kProperties - 1}) EXPECT_EQ(ids[static_cast<std::size_t>(i)], "b" + std::to_string(i));

  w.run_until("2026-06-11T00:00:00Z");  // inside every stay: every code is on its lock
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), static_cast<std::size_t>(kProperties));
  for (const int i : {0, 16'383, 16'384, kProperties - 1}) {
    const CodeView v = w.code("b" + std::to_string(i));
    EXPECT_EQ(v.status, CodeStatus::active) << i;
    EXPECT_EQ(v.valid_from, at("2026-06-10T12:30:00Z")) << i;
    ASSERT_TRUE(v.code) << i;
    EXPECT_TRUE(w.audit_has("b" + std::to_string(i), AuditKind::code_created, "C4")) << i;
  }

  w.run_until("2026-06-20T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls_of("delete_pin").size(), static_cast<std::size_t>(kProperties));
  for (const int i : {0, 16'383, 16'384, kProperties - 1})
    EXPECT_EQ(w.code("b" + std::to_string(i)).status, CodeStatus::revoked) << i;
}

}  // namespace
}  // namespace lockstep::testing
