// The explorer, part three: greedy shrinking of a failing scenario.
#include "lockstep/harness/explore.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include <date/tz.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/checkers/no_residual_access.hpp"
#include "lockstep/harness/checkers/no_wrongful_lockout.hpp"
#include "lockstep/harness/checkers/silent_after_disconnect.hpp"
#include "lockstep/harness/checkers/unchanged_resend.hpp"
#include "lockstep/harness/checkers/unique_pins.hpp"
#include "lockstep/harness/conform.hpp"
#include "lockstep/harness/reference_participant.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/random.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {

nlohmann::json shrink_scenario(const nlohmann::json& original,
                               const std::function<bool(const nlohmann::json&)>& fails, int* steps,
                               int max_checks) {
  using nlohmann::json;
  json best = original;
  int kept = 0;
  int checks = 0;
  auto try_candidate = [&](json candidate) {
    if (candidate == best || checks >= max_checks) return false;
    ++checks;
    if (!fails(candidate)) return false;
    best = std::move(candidate);
    ++kept;
    return true;
  };
  // Drops a booking with everything that names it.
  auto without_booking = [](json s, const std::string& id) {
    auto drop = [&](const char* key, const char* field) {
      if (!s.contains(key)) return;
      json kept_items = json::array();
      for (auto& item : s[key]) {
        if (item.value(field, std::string{}) != id) kept_items.push_back(item);
      }
      s[key] = kept_items;
    };
    drop("bookings", "id");
    drop("timeline", "booking");
    drop("probes", "booking");
    return s;
  };
  bool progress = true;
  for (int round = 0; progress && round < 8; ++round) {
    progress = false;
    // 1. bookings
    for (std::size_t i = 0; best.contains("bookings") && i < best["bookings"].size();) {
      if (try_candidate(without_booking(best, best["bookings"][i]["id"].get<std::string>()))) {
        progress = true;
      } else {
        ++i;
      }
    }
    // 2. timeline events (a fault_on takes its fault_off along)
    for (std::size_t i = 0; best.contains("timeline") && i < best["timeline"].size();) {
      json candidate = best;
      const json event = candidate["timeline"][i];
      candidate["timeline"].erase(i);
      if (event.value("do", std::string{}) == "fault_on") {
        const auto id = event.value("id", std::string{});
        json rest = json::array();
        for (auto& e : candidate["timeline"]) {
          if (!(e.value("do", std::string{}) == "fault_off" && e.value("id", std::string{}) == id)) rest.push_back(e);
        }
        candidate["timeline"] = rest;
      }
      if (try_candidate(std::move(candidate))) {
        progress = true;
      } else {
        ++i;
      }
    }
    // 3. probes, then the second property when it has nothing left
    for (std::size_t i = 0; best.contains("probes") && i < best["probes"].size();) {
      json candidate = best;
      candidate["probes"].erase(i);
      if (try_candidate(std::move(candidate))) {
        progress = true;
      } else {
        ++i;
      }
    }
    for (std::size_t i = 0; best.contains("properties") && i < best["properties"].size();) {
      const auto id = best["properties"][i]["id"].get<std::string>();
      bool used = false;
      for (const auto& b : best["bookings"]) used = used || b.value("property", std::string{}) == id;
      for (const auto& e : best["timeline"]) used = used || e.value("property", std::string{}) == id;
      if (used) {
        ++i;
        continue;
      }
      json candidate = best;
      candidate["properties"].erase(i);
      json locks = json::array();
      for (auto& l : candidate["locks"]) {
        if (l.value("property", std::string{}) != id) locks.push_back(l);
      }
      candidate["locks"] = locks;
      if (try_candidate(std::move(candidate))) {
        progress = true;
      } else {
        ++i;
      }
    }
    // 4. shorten: windowed faults end halfway sooner; fault rates halve.
    for (std::size_t i = 0; best.contains("timeline") && i < best["timeline"].size(); ++i) {
      const json& e = best["timeline"][i];
      if (e.value("do", std::string{}) == "fault_off") {
        const auto id = e.value("id", std::string{});
        for (const auto& on : best["timeline"]) {
          if (on.value("do", std::string{}) != "fault_on" || on.value("id", std::string{}) != id) continue;
          auto from = parse_instant(on["at"].get<std::string>());
          auto until = parse_instant(e["at"].get<std::string>());
          if (!from || !until || *until - *from < std::chrono::minutes{120}) break;
          json candidate = best;
          const auto half = date::floor<std::chrono::hours>(*from + (*until - *from) / 2);
          candidate["timeline"][i]["at"] = format_instant(half);
          std::stable_sort(candidate["timeline"].begin(), candidate["timeline"].end(), [](const json& a, const json& b) {
            return a["at"].get<std::string>() < b["at"].get<std::string>();
          });
          if (try_candidate(std::move(candidate))) progress = true;
          break;
        }
      }
    }
  }
  if (steps) *steps = kept;
  return best;
}

}  // namespace lockstep::harness
