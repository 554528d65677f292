// The reference participant: lockstep's own Engine (core/) playing a scenario,
// talking to igloohome through the real igloohome::Client — over the mock's
// in-process transport (fast, the default) or over HTTP to a mock served on a
// socket (`lockstep run --transport http`). Each Participant call maps one for
// one onto an Engine call; Engine errors become replies with their contract
// code, exactly as the `lockstep sut` adapter answers over lockstep-sut/1.
//
// Beyond the protocol it can be inspected: the engine's own view of a booking
// (attempts, PIN source, fallback reason, algoPIN window), its audit trail and
// its notices, which the runner checks and reports.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lockstep/engine.hpp"
#include "lockstep/harness/participant.hpp"
#include "lockstep/net/transport.hpp"
#include "lockstep/rules.hpp"

namespace lockstep::harness {

struct ReferenceOptions {
  std::uint64_t seed = 1;  // the engine's SeededRandom (random PINs)
  Profile profile{};
};

class ReferenceParticipant final : public Participant {
 public:
  // In-process: the client speaks through these transports (they must outlive
  // the participant); init()'s URLs are ignored.
  ReferenceParticipant(net::Transport& auth, net::Transport& api, ReferenceOptions options = {});
  // Over HTTP: init() opens a client on the two base URLs it is given.
  explicit ReferenceParticipant(ReferenceOptions options = {});
  ~ReferenceParticipant() override;
  ReferenceParticipant(const ReferenceParticipant&) = delete;
  ReferenceParticipant& operator=(const ReferenceParticipant&) = delete;

  Reply<InitReply> init(const InitRequest& request) override;
  Reply<std::string> connect(const std::string& client_id, const std::string& client_secret) override;
  Reply<Done> disconnect() override;
  Reply<Done> put_property(const std::string& property_id, const std::string& timezone) override;
  Reply<Done> assign_lock(const std::string& property_id, const std::string& brand,
                          const std::string& lock_id) override;
  Reply<Done> remove_lock(const std::string& property_id) override;
  Reply<Done> configure_lock(const std::string& lock_id, const LockConfig& config) override;
  Reply<Done> put_booking(const BookingRequest& booking) override;
  Reply<Done> cancel_booking(const std::string& booking_id) override;
  Reply<std::optional<Instant>> tick(Instant now) override;
  Reply<CodeReply> get_code(const std::string& booking_id) override;
  Reply<std::string> render(const std::string& booking_id, const std::string& tmpl) override;
  Reply<Done> shutdown() override;

  // nullptr before init().
  const Engine* engine() const noexcept;
  // The engine's view of a booking; nullopt before init() or for an unknown booking.
  std::optional<CodeView> inspect(const std::string& booking_id) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lockstep::harness
