// A Participant is whoever plays a scenario: the reference engine (in-process,
// talking to the mock through the igloohome client), or an implementation under
// test driven over lockstep-sut/1 (a child process). Its calls mirror that
// protocol one for one, so the scenario runner and the conformance driver run the
// same loop and compare like with like.
//
// Values cross this interface as the protocol carries them (local times as
// "YYYY-MM-DDTHH:MM" strings, settings as optional fields) so that a scenario's
// deliberately bad input reaches the implementation verbatim.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <variant>

#include "lockstep/time.hpp"

namespace lockstep::harness {

// An `ok: false` reply: the protocol's error code ("invalid_booking", ...) and message.
struct ReplyError {
  std::string code;
  std::string message;
};

template <class T>
using Reply = std::expected<T, ReplyError>;
using Done = std::monostate;

struct InitRequest {
  Instant now{};
  std::string auth_url;  // e.g. http://127.0.0.1:8123  (token at <auth_url>/oauth2/token)
  std::string api_url;   // e.g. http://127.0.0.1:8123/igloohome
};

struct InitReply {
  std::string name;
  std::string version;
};

struct LockConfig {
  std::optional<int> days_before;
  std::optional<int> margin_minutes;
  std::optional<std::string> code_source;
};

struct BookingRequest {
  std::string booking_id;
  std::string property_id;
  std::string checkin;   // local, as written in the scenario
  std::string checkout;  // local
  std::optional<std::string> guest_phone;
};

struct CodeReply {
  std::string status;               // scheduled, retrying, active, failed, revoked, none
  std::optional<std::string> code;
  std::optional<std::string> kind;  // pin, algopin
  std::optional<Instant> valid_from;
  std::optional<Instant> valid_until;
};

class Participant {
 public:
  virtual ~Participant() = default;

  virtual Reply<InitReply> init(const InitRequest& request) = 0;
  // Returns the account name (may be empty).
  virtual Reply<std::string> connect(const std::string& client_id, const std::string& client_secret) = 0;
  virtual Reply<Done> disconnect() = 0;
  virtual Reply<Done> put_property(const std::string& property_id, const std::string& timezone) = 0;
  virtual Reply<Done> assign_lock(const std::string& property_id, const std::string& brand,
                                  const std::string& lock_id) = 0;
  virtual Reply<Done> remove_lock(const std::string& property_id) = 0;
  virtual Reply<Done> configure_lock(const std::string& lock_id, const LockConfig& config) = 0;
  virtual Reply<Done> put_booking(const BookingRequest& booking) = 0;
  virtual Reply<Done> cancel_booking(const std::string& booking_id) = 0;
  // Does everything due at or before now; returns the next wakeup, if known.
  virtual Reply<std::optional<Instant>> tick(Instant now) = 0;
  virtual Reply<CodeReply> get_code(const std::string& booking_id) = 0;
  virtual Reply<std::string> render(const std::string& booking_id, const std::string& tmpl) = 0;
  virtual Reply<Done> shutdown() = 0;
};

}  // namespace lockstep::harness
