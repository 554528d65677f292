#include "scenario_setup_check.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "lockstep/time.hpp"

namespace lockstep::harness::detail {

namespace {

// Said after every refusal of a setup value: where a deliberately bad value goes.
constexpr std::string_view kOnPurpose = "to send it on purpose, use a timeline event with \"expect_error\"";

const mock::Lock* world_lock(const mock::World& world, const std::string& id) {
  for (const auto& l : world.locks)
    if (l.id == id) return &l;
  return nullptr;
}

const mock::Account* world_account(const mock::World& world, const std::string& client_id) {
  for (const auto& a : world.accounts)
    if (a.client_id == client_id) return &a;
  return nullptr;
}

// "YYYY-MM-DDTHH:MM" exactly (sut-protocol.md), and a date and time that exist.
std::optional<LocalDateTime> setup_local_time(const std::string& text, const std::string& path, Problems& problems) {
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i)
      if (text[i] < '0' || text[i] > '9') return false;
    return true;
  };
  const bool shaped = text.size() == 16 && digits(0, 4) && text[4] == '-' && digits(5, 2) && text[7] == '-' &&
                      digits(8, 2) && text[10] == 'T' && digits(11, 2) && text[13] == ':' && digits(14, 2);
  if (!shaped) {
    problems.add({path, fmt::format("must be a local time \"YYYY-MM-DDTHH:MM\", got {} ({})",
                                    describe(nlohmann::json(text)), kOnPurpose)});
    return std::nullopt;
  }
  auto local = parse_local(text);
  if (!local) {
    problems.add({path, fmt::format("\"{}\" is no such date or time of day ({})", text, kOnPurpose)});
    return std::nullopt;
  }
  return *local;
}

}  // namespace

void check_setup(const Scenario& s, const std::string& timeline_path, const mock::World& world, Problems& problems) {
  const std::string timeline_prefix = timeline_path + "[";
  auto in_timeline = [&](const Event& e) { return e.json_path.starts_with(timeline_prefix); };

  const mock::Account* account = nullptr;  // the setup connection's
  bool connected = false;
  std::map<std::string, std::string> zone_of;         // setup property -> zone (known zones only)
  std::map<std::string, std::string> property_path;   // setup property -> its path
  std::map<std::string, std::string> lock_of;         // property -> setup lock
  std::map<std::string, std::string> property_of;     // setup lock -> property
  std::map<std::string, const mock::Lock*> assigned;  // setup lock -> the world's lock (igloohome)

  for (const auto& e : s.timeline) {
    if (in_timeline(e)) continue;
    switch (e.kind) {
      case EventKind::connect: {
        connected = true;
        account = world_account(world, e.client_id);
        if (!account || account->client_secret != e.client_secret)
          problems.add({e.json_path,
                        fmt::format("the world has no account \"{}\" with that secret (name one of the world's "
                                    "accounts, or \"connect\": false; to test refused credentials, connect in the "
                                    "timeline with \"expect_error\")",
                                    cut(e.client_id, 80))});
        break;
      }
      case EventKind::put_property: {
        property_path[e.property_id] = e.json_path;
        if (Zone::locate(e.timezone))
          zone_of[e.property_id] = e.timezone;
        else
          problems.add({join(e.json_path, "timezone"),
                        fmt::format("unknown time zone \"{}\" (an IANA name such as \"Europe/Paris\"; {})",
                                    cut(e.timezone, 80), kOnPurpose)});
        break;
      }
      case EventKind::assign_lock: {
        if (!connected)
          problems.add({e.json_path, "assigning a lock needs a connection, and \"connect\" is false"});
        if (!property_path.contains(e.property_id))
          problems.add({join(e.json_path, "property"),
                        fmt::format("no property \"{}\" in \"properties\"", cut(e.property_id, 80))});
        if (e.brand != "igloohome" && e.brand != "nuki" && e.brand != "ttlock") {
          problems.add({join(e.json_path, "brand"),
                        fmt::format("\"{}\" is not one of igloohome, nuki, ttlock", cut(e.brand, 80))});
          break;
        }
        if (auto it = lock_of.find(e.property_id); it != lock_of.end())
          problems.add({join(e.json_path, "property"),
                        fmt::format("property \"{}\" already has lock \"{}\": one lock per property (L2)",
                                    cut(e.property_id, 80), cut(it->second, 80))});
        if (auto it = property_of.find(e.lock_id); it != property_of.end())
          problems.add({join(e.json_path, "lock"),
                        fmt::format("lock \"{}\" is already assigned to property \"{}\": one property per lock (L2)",
                                    cut(e.lock_id, 80), cut(it->second, 80))});
        lock_of.emplace(e.property_id, e.lock_id);
        property_of.emplace(e.lock_id, e.property_id);
        if (e.brand != "igloohome") break;
        const auto* lock = world_lock(world, e.lock_id);
        if (!lock) {
          problems.add({join(e.json_path, "lock"),
                        fmt::format("the world has no lock \"{}\" (unknown_lock; {})", cut(e.lock_id, 80), kOnPurpose)});
        } else if (account && !account->devices.empty() &&
                   std::find(account->devices.begin(), account->devices.end(), e.lock_id) == account->devices.end()) {
          problems.add({join(e.json_path, "lock"), fmt::format("the account \"{}\" does not see lock \"{}\"",
                                                                cut(account->client_id, 80), cut(e.lock_id, 80))});
        }
        assigned[e.lock_id] = lock;
        break;
      }
      case EventKind::configure_lock: {
        // Setup settings (S1-S3), as the reference engine judges them (S4).
        const auto& c = e.config;
        if (c.days_before && (*c.days_before < 1 || *c.days_before > 14))
          problems.add({join(e.json_path, "days_before"),
                        fmt::format("is {}, must be from 1 to 14 (S1; {})", *c.days_before, kOnPurpose)});
        if (c.margin_minutes && (*c.margin_minutes < 0 || *c.margin_minutes > 240))
          problems.add({join(e.json_path, "margin_minutes"),
                        fmt::format("is {}, must be from 0 to 240 (S2; {})", *c.margin_minutes, kOnPurpose)});
        if (c.code_source) {
          if (*c.code_source != "random" && *c.code_source != "guest_phone") {
            problems.add({join(e.json_path, "code_source"),
                          fmt::format("\"{}\" is not random or guest_phone (S3; {})", cut(*c.code_source, 80), kOnPurpose)});
          } else if (*c.code_source == "guest_phone") {
            auto it = assigned.find(e.lock_id);
            if (it != assigned.end() && it->second && !it->second->bridge_id)
              problems.add({join(e.json_path, "code_source"),
                            fmt::format("lock \"{}\" has no bridge: guest_phone codes are unavailable on it "
                                        "(code_source_unavailable, S3; {})",
                                        cut(e.lock_id, 80), kOnPurpose)});
          }
        }
        break;
      }
      case EventKind::put_booking: {
        const auto& b = e.booking;
        // The property must exist when the booking is made: a setup property, or
        // one a timeline event puts (without expecting an error) before.
        bool known = property_path.contains(b.property_id);
        std::optional<std::string> zone;
        if (auto it = zone_of.find(b.property_id); it != zone_of.end()) zone = it->second;
        for (const auto& t : s.timeline) {
          if (!in_timeline(t) || t.at >= e.at) continue;
          if (t.kind == EventKind::put_property && t.property_id == b.property_id && !t.expect_error) {
            known = true;
            if (!zone && Zone::locate(t.timezone)) zone = t.timezone;
          }
        }
        if (!known)
          problems.add({join(e.json_path, "property"),
                        fmt::format("no property \"{}\" exists when the booking is made", cut(b.property_id, 80))});
        const auto checkin = setup_local_time(b.checkin, join(e.json_path, "checkin"), problems);
        const auto checkout = setup_local_time(b.checkout, join(e.json_path, "checkout"), problems);
        if (checkin && checkout) {
          bool after = *checkout > *checkin;
          if (zone)
            if (auto z = Zone::locate(*zone)) after = z->resolve(*checkout) > z->resolve(*checkin);
          if (!after)
            problems.add({join(e.json_path, "checkout"),
                          fmt::format("must be after \"checkin\" (T2: invalid_booking; {})", kOnPurpose)});
        }
        break;
      }
      default:
        break;
    }
  }

  for (const auto& p : s.probes)
    if (!p.lock.empty() && !world_lock(world, p.lock))
      problems.add({join(p.json_path, "lock"), fmt::format("the world has no lock \"{}\"", cut(p.lock, 80))});
}

}  // namespace lockstep::harness::detail
