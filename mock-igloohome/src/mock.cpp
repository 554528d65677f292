// Temporary stub while the handler is written: answers 501 to everything.
#include "lockstep/mock/mock.hpp"

#include <mutex>

namespace lockstep::mock {

struct Mock::State {
  World world;
  Instant now;
  mutable std::mutex mutex;
};

Mock::Mock(World world) : state_(std::make_unique<State>()) {
  state_->now = world.now;
  state_->world = std::move(world);
}
Mock::~Mock() = default;

Reply Mock::handle(const igloohome::Request& request) {
  Reply r;
  r.response.version(request.version());
  r.response.result(igloohome::http::status::not_implemented);
  r.response.set(igloohome::http::field::content_type, "application/json");
  r.response.body() = R"({"error":"internal_error","message":"not implemented yet"})";
  r.response.prepare_payload();
  return r;
}
Instant Mock::now() const { std::lock_guard lock(state_->mutex); return state_->now; }
void Mock::set_now(Instant t) { std::lock_guard lock(state_->mutex); state_->now = t; }
void Mock::follow_system_time(bool) {}
Result<std::string> Mock::add_fault(const nlohmann::json&) { return fail(ErrorCode::unsupported, "not yet"); }
bool Mock::remove_fault(const std::string&) { return false; }
void Mock::clear_faults() {}
std::vector<nlohmann::json> Mock::faults() const { return {}; }
EnterResult Mock::enter(const std::string&, const std::string&, Instant) { return {false, "unknown_pin"}; }
Result<std::vector<LockPin>> Mock::pins(const std::string&) const { return std::vector<LockPin>{}; }
std::vector<JournalEntry> Mock::journal() const { return {}; }
void Mock::clear_journal() {}
void Mock::reset() {}
const World& Mock::world() const { return state_->world; }
nlohmann::json JournalEntry::to_json() const { return {}; }
nlohmann::json LockPin::to_json() const { return {}; }

}  // namespace lockstep::mock
