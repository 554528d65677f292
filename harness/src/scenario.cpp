#include "lockstep/harness/scenario.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

namespace lockstep::harness {

namespace detail {
namespace {
constexpr std::array<std::pair<EventKind, std::string_view>, 11> event_names{{
    {EventKind::connect, "connect"},
    {EventKind::disconnect, "disconnect"},
    {EventKind::put_property, "put_property"},
    {EventKind::assign_lock, "assign_lock"},
    {EventKind::remove_lock, "remove_lock"},
    {EventKind::configure_lock, "configure_lock"},
    {EventKind::put_booking, "put_booking"},
    {EventKind::cancel_booking, "cancel_booking"},
    {EventKind::fault_on, "fault_on"},
    {EventKind::fault_off, "fault_off"},
    {EventKind::tick, "tick"},
}};
}  // namespace
}  // namespace detail

std::string_view to_string(EventKind kind) noexcept {
  for (const auto& [k, name] : detail::event_names)
    if (k == kind) return name;
  return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view text) noexcept {
  for (const auto& [k, name] : detail::event_names)
    if (name == text) return k;
  return std::nullopt;
}

bool is_participant_request(EventKind kind) noexcept {
  return kind != EventKind::fault_on && kind != EventKind::fault_off && kind != EventKind::tick;
}

bool scenario_has_tag(const Scenario& scenario, std::string_view tag) noexcept {
  for (const auto& t : scenario.tags)
    if (t == tag) return true;
  return false;
}

std::size_t estimated_work(const Scenario& scenario) noexcept {
  std::size_t work = scenario.timeline.size() + scenario.probes.size() + scenario.expectations.size();
  if (const auto& g = scenario.generator) {
    const auto stays = static_cast<std::size_t>(std::max(0, g->properties)) *
                       static_cast<std::size_t>(std::max(0, g->stays_per_property));
    // Each stay is a put_booking, its readings and its probes; each outage two events.
    work += stays * (4 + static_cast<std::size_t>(std::max(0, g->probes_per_booking))) +
            2 * static_cast<std::size_t>(std::max(0, g->outages));
  }
  return work;
}

std::vector<std::size_t> longest_first(const std::vector<Scenario>& scenarios) {
  std::vector<std::size_t> order(scenarios.size());
  std::vector<std::size_t> work(scenarios.size());
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    order[i] = i;
    work[i] = estimated_work(scenarios[i]);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return work[a] > work[b]; });
  return order;
}

std::vector<std::string> scenario_secrets(const std::vector<Scenario>& scenarios) {
  std::set<std::string> secrets;
  for (const auto& s : scenarios) {
    for (const auto& e : s.timeline)
      if (!e.client_secret.empty()) secrets.insert(e.client_secret);
    if (s.world)
      for (const auto& account : s.world->accounts)
        if (!account.client_secret.empty()) secrets.insert(account.client_secret);
  }
  return {secrets.begin(), secrets.end()};
}

Instant default_end(const Scenario& scenario) {
  Instant latest = scenario.start;
  auto see = [&](Instant t) {
    if (t > latest) latest = t;
  };
  std::map<std::string, std::string> zone_of;  // property -> zone name, as last put
  for (const auto& e : scenario.timeline) {
    see(e.at);
    if (e.kind == EventKind::put_property) zone_of[e.property_id] = e.timezone;
  }
  for (const auto& p : scenario.probes) see(p.at);
  for (const auto& x : scenario.expectations)
    if (x.at) see(*x.at);
  for (const auto& c : scenario.calls) {
    if (c.from) see(*c.from);
    if (c.until) see(*c.until);
  }
  for (const auto& e : scenario.timeline) {
    if (e.kind != EventKind::put_booking) continue;
    auto checkout = parse_local(e.booking.checkout);
    if (!checkout) continue;  // a deliberately bad booking: the participant refuses it
    Instant at = Instant(checkout->time_since_epoch());
    if (auto it = zone_of.find(e.booking.property_id); it != zone_of.end())
      if (auto zone = Zone::locate(it->second)) at = zone->resolve(*checkout);
    see(at);
  }
  return latest + std::chrono::hours(48);
}

}  // namespace lockstep::harness
