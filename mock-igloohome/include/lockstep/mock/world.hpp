// The mock's world: everything that exists before the first request — accounts
// (OAuth2 clients with their credentials, name and scopes), bridges, locks and
// which bridge each lock is linked to, the per-lock secret algoPINs are derived
// from, faults active from the start, the virtual clock's start, and the mock's
// tunable limits. A world is plain data: default_world() is the one the contract
// names (igloohome-api.md), and a JSON world file (docs/mock.md) describes others.
// Loading validates everything and names the offending JSON path on error, so a
// bad file is refused as a whole, never half-loaded.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/error.hpp"
#include "lockstep/time.hpp"

namespace lockstep::mock {

// Every scope the contract documents (igloohome-api.md), with the igloohomeapi/
// prefix. An account owns these by default; a world naming another is refused.
const std::vector<std::string>& all_scopes();

struct Account {
  std::string client_id;
  std::string client_secret;
  std::string name;                  // shown as the connected account's name
  std::vector<std::string> scopes;   // full names ("igloohomeapi/get-devices"); default: all
  std::vector<std::string> devices;  // device ids this account sees; empty: every device
};

struct Bridge {
  std::string id;  // deviceId, the serial-like id every path uses, e.g. "BR-1"
  std::string name;
  int battery_level = 100;  // kept for the world file; the API answers null for a bridge
  std::string internal_id;  // igloohome's internal `id`; empty: assigned (assign_internal_ids)
};

struct Lock {
  std::string id;  // deviceId, the serial-like id every path uses, e.g. "LK-1"
  std::string name;
  std::optional<std::string> bridge_id;  // absent: bridge-less (algoPIN only)
  std::string device_secret;             // algoPINs derive from it; default "secret-<id>"
  bool algopin = true;                   // supports algoPIN
  int battery_level = 90;
  std::string internal_id;  // igloohome's internal `id`; empty: assigned (assign_internal_ids)
};

// The mock's own defaults for what igloohome does not publish (docs/mock.md).
struct Limits {
  int page_size = 50;                         // GET /devices page size
  Seconds token_lifetime{86400};              // expires_in
  Minutes job_expiry{10};                     // a job still pending this long expires
  int pending_jobs_per_bridge = 20;           // refused (429) at this many pending; 0 = no limit
  int pins_per_lock = 199;                    // online + offline together
  int locks_per_bridge = 5;
};

// How the mock writes the facts that public clients read differently
// (igloohome-api.md; docs/mock.md "Pointing a real integration at the mock").
struct ApiSettings {
  // GET /jobs/{id}'s jobType: a string ("4", the public Python client's type) by
  // default, or a number.
  bool job_type_as_number = false;
  // The JWT's iat/exp: on the wall clock by default (what a client compares them
  // with), or on the virtual clock. Expiry is enforced on the virtual clock either way.
  bool token_exp_on_virtual_clock = false;
};

struct World {
  std::vector<Account> accounts;
  std::vector<Bridge> bridges;
  std::vector<Lock> locks;
  std::vector<nlohmann::json> faults;  // each as a POST /__admin/faults body
  Instant now{};                       // the virtual clock's start
  Limits limits;
  ApiSettings api;
};

// demo-client / demo-secret / "Demo Host"; BR-1 linked to LK-1 and LK-2; LK-ALGO
// with no bridge; clock at 2026-01-01T00:00:00Z; no faults.
World default_world();

// Gives every bridge and lock without one an internal id: a numeric string
// ("100001", "100002"... in world order, bridges first) unused by any other device.
void assign_internal_ids(World& world);

// Errors are invalid_argument with the JSON path in `field`, e.g. "locks[1].bridge".
Result<World> world_from_json(const nlohmann::json& json);
Result<World> load_world_file(const std::filesystem::path& path);
nlohmann::json world_to_json(const World& world);

}  // namespace lockstep::mock
