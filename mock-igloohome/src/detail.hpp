// Internals of the mock shared by its source files: text codecs (forms,
// dates), the fault grammar, and the deterministic hashes behind tokens and
// algoPINs. Not installed; not part of the API.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/error.hpp"
#include "lockstep/mock/world.hpp"
#include "lockstep/time.hpp"

namespace lockstep::mock::detail {

// Lets an unordered_map keyed by std::string be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

// --- codecs -----------------------------------------------------------------
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
// "a=1&b=2" → {a:1, b:2}; nullopt when an escape is malformed.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view text);
std::vector<std::string> split(std::string_view text, char sep);

// A date as the API writes it: instant plus the civil time and offset as written.
struct WrittenDate {
  Instant instant{};
  LocalDateTime civil{};
  Seconds offset{};
  bool on_the_hour = false;   // written HH:00:00 exactly
  bool explicit_offset = false;  // ±hh:mm (not Z)
};
// RFC 3339 with Z or ±hh:mm; nullopt otherwise.
std::optional<WrittenDate> parse_written_date(std::string_view text);

// --- hashes -----------------------------------------------------------------
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed = 0xcbf29ce484222325ULL);
std::uint64_t mix64(std::uint64_t x);  // splitmix64 finaliser
std::string algopin_value(const std::string& device_secret, std::string_view type, Instant start,
                          std::optional<Instant> end, int variance);
int algopin_digits(std::string_view type);

// --- faults -----------------------------------------------------------------
enum class FaultKind {
  bridge_offline,
  job_pending,
  job_expire,
  pending_job_limit,
  http_error,
  rate_limit,
  latency,
  connection_reset,
  empty_response,
  malformed_body,
  token_expiry,
  pin_rejected,
  clock_drift,  // the lock simulator: a lock's own clock runs `minutes` ahead (or behind, < 0)
};
inline constexpr std::size_t kFaultKinds = static_cast<std::size_t>(FaultKind::clock_drift) + 1;
std::string_view to_string(FaultKind k);

struct Fault {
  std::string id;
  FaultKind kind = FaultKind::http_error;
  nlohmann::json spec;  // as given, with "id" added
  std::optional<Instant> from;
  std::optional<Instant> until;  // excluded
  std::string target;            // bridge or lock id; empty: all
  std::string path;              // path prefix; empty: every API path
  std::string method;            // empty: every method
  double probability = 1.0;
  std::uint64_t seed = 0;        // from `seed`: which calls a probabilistic fault hits
  bool after = false;            // network faults: the request takes effect first
  int status = 500;
  int retry_after_seconds = 60;
  std::chrono::milliseconds latency{0};
  int minutes = 0;  // job_pending: the delay; clock_drift: the drift, signed
  int limit = 20;
  Seconds after_seconds{0};
  std::vector<std::string> pins;
  std::optional<std::regex> pattern;

  bool active_at(Instant t) const {
    return (!from || t >= *from) && (!until || t < *until);
  }
  bool matches_request(std::string_view method_name, std::string_view request_path) const;
  // Whether this call is hit. The draw depends only on the seed and on which
  // call it is (method, call identity, virtual instant), not on how many calls
  // came before: two implementations that order their calls differently still
  // meet the same failures, so conformance compares like with like. The identity
  // is the path, or for a job poll what the job is (see fault_identity). Always
  // true at probability 1.
  bool hits(std::string_view method_name, std::string_view call_identity, Instant at) const;
  bool rejects_pin(const std::string& lock, const std::string& pin) const;
};

// Parses a POST /__admin/faults body against the world (targets must exist).
// Errors name the field: invalid_argument with `field` set.
Result<Fault> parse_fault(const nlohmann::json& spec, const World& world, std::string id);

}  // namespace lockstep::mock::detail
