// The reference engine: an event-driven state machine that holds the igloohome
// connection, properties, lock assignments (all brands), per-lock settings,
// bookings and their codes, and applies every rule of behaviour.md.
//
// It is pure: time comes from the injected Clock, randomness from the injected
// RandomSource, and igloohome from the injected IgloohomeProvider. Commands
// (connect, put_booking, ...) change state and schedule work "at now"; the work
// itself — generation attempts, retries, moves, deletions — runs in run_until(t),
// which processes every wakeup <= t in time order, moving the clock to each one
// before acting. next_wakeup() says when there is work next. Mirroring the
// lockstep-sut/1 protocol, a driver calls run_until(t), applies the commands for
// t, then run_until(t) again.
//
// Every decision is recorded in the booking's audit trail with the rule it
// applies, e.g. "attempt 3 failed: unable to contact bridge; next at 15:00Z".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/clock.hpp"
#include "lockstep/codes.hpp"
#include "lockstep/error.hpp"
#include "lockstep/provider.hpp"
#include "lockstep/random.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep {

enum class Brand { igloohome, nuki, ttlock };
std::string_view to_string(Brand b) noexcept;
std::optional<Brand> brand_from_string(std::string_view s) noexcept;

// The sut-protocol statuses.
enum class CodeStatus : std::uint8_t { none, scheduled, retrying, active, failed, revoked };
std::string_view to_string(CodeStatus s) noexcept;

enum class CodeKind { pin, algopin };
std::string_view to_string(CodeKind k) noexcept;

enum class PinSource { random, guest_phone, algopin };
std::string_view to_string(PinSource s) noexcept;

struct BookingInput {
  std::string booking_id;
  std::string property_id;
  LocalDateTime checkin{};
  LocalDateTime checkout{};
  std::optional<std::string> guest_phone;
};

// One booking's code as the engine sees it now.
struct CodeView {
  CodeStatus status = CodeStatus::none;
  std::optional<std::string> code;
  std::optional<CodeKind> kind;
  std::optional<Instant> valid_from;   // the window (T2)
  std::optional<Instant> valid_until;
  std::optional<AlgoPinWindow> algopin;  // C5: the window requested from igloohome
  std::optional<int> variance;           // C5
  std::optional<PinSource> source;
  std::optional<PhoneFallback> fallback;  // C2: why guest_phone was not used
  std::optional<Instant> generate_at;     // T3 (after a late booking: when booked)
  std::optional<Instant> retry_deadline;  // T4
  std::optional<Instant> issued_at;       // when the code was created on igloohome
  std::vector<Instant> attempts;          // start of each generation attempt (T4)
  std::string lock_id;                    // lock holding / to hold the code
};

enum class AuditKind {
  scheduled,        // generation planned (T3)
  rescheduled,      // settings/dates/lock changed the plan
  attempt,          // an attempt started
  attempt_failed,   // ... and failed (C6), with the next attempt time if any
  value_rejected,   // C3: a PIN value refused; another is tried in the same attempt
  phone_fallback,   // C2
  job_pending,      // a bridge job not finished yet
  code_created,     // code on igloohome
  code_moved,       // B1
  code_deleted,     // C4/B2/L3
  delete_failed,    // a delete to retry
  generation_failed,  // T4: last failure, host alerted
  cancelled,        // B2
  alert,            // host alerted (needs_reconnect, lock_missing, stay_too_long, ...)
  warning,          // B3 algoPIN limits
  dropped,          // L4 / B2: pending work dropped
};
std::string_view to_string(AuditKind k) noexcept;

struct AuditEvent {
  Instant at{};
  AuditKind kind = AuditKind::scheduled;
  std::string rule;     // behaviour.md id, e.g. "T4"
  std::string message;  // for people
  int attempt = 0;      // attempt number when relevant
};

// A host alert or a B3 warning.
struct Notice {
  Instant at{};
  std::string booking_id;  // empty when not about one booking
  std::string lock_id;
  std::string code;  // generation_failed, needs_reconnect, lock_missing, stay_too_long,
                     // no_variance, date_change_residual, cancel_residual,
                     // first_use_24h, delete_failed
  std::string rule;
  std::string message;
};

class Engine {
 public:
  Engine(Clock& clock, RandomSource& rng, IgloohomeProvider& igloohome, Profile profile = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const Profile& profile() const noexcept;
  // Audit events keep their kind, rule and attempt always; their text can be
  // turned off for large simulations (benchmarks), where it dominates memory.
  void keep_audit_text(bool keep) noexcept;

  // L1: invalid_credentials. Returns the account name.
  Result<std::string> connect(const Credentials& credentials);
  // L4.
  Result<void> disconnect();
  bool connected() const noexcept;

  // Creates or changes a property. invalid_timezone.
  Result<void> put_property(const std::string& property_id, std::string_view timezone);
  // L2/L3. not_found (property), property_has_other_lock, lock_already_assigned,
  // unknown_lock, not_connected (igloohome brand only).
  Result<void> assign_lock(const std::string& property_id, Brand brand, const std::string& lock_id);
  // L3. not_found when the property is unknown.
  Result<void> remove_lock(const std::string& property_id);
  // S1-S4. not_found (lock never assigned), invalid_setting, code_source_unavailable.
  Result<void> configure_lock(const std::string& lock_id, const SettingsPatch& patch);
  Result<LockSettings> lock_settings(const std::string& lock_id) const;

  // Creates or changes (B1) a booking. not_found (property), invalid_booking.
  Result<void> put_booking(const BookingInput& booking);
  // B2. not_found.
  Result<void> cancel_booking(const std::string& booking_id);

  // Runs every piece of work due at or before t, in time order.
  void run_until(Instant t);
  // The next instant with work, if any.
  std::optional<Instant> next_wakeup() const;

  // not_found for an unknown booking.
  Result<CodeView> code(const std::string& booking_id) const;
  // M1. not_found, code_pending, code_unavailable.
  Result<std::string> render(const std::string& booking_id, std::string_view tmpl) const;

  // Audit trail of one booking (empty when unknown), oldest first. The reference
  // stays valid as long as the engine; each call refreshes its contents.
  const std::vector<AuditEvent>& audit(const std::string& booking_id) const;
  // Called with each audit event as it is recorded, in recording order: a log
  // that follows the engine without re-reading every booking's trail after each
  // step (the protocol adapter's stderr: that scan made a 20,000-booking year
  // quadratic). Empty: none. The listener must not call back into the engine.
  using AuditListener = std::function<void(const std::string& booking_id, const AuditEvent& event)>;
  void on_audit(AuditListener listener);
  // Every alert and warning so far, oldest first.
  const std::vector<Notice>& notices() const noexcept;
  // Every booking id known, in the order first seen.
  std::vector<std::string> booking_ids() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lockstep
