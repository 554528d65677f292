// The rule ids of ../shared/contracts/behaviour.md, as values. Every report,
// audit entry and divergence names the rule it is about by a `Rule`; the id text
// ("T4") appears only at the edges (reports, scenario files, the protocol), where
// `rule_from_string` maps it back at once. This is the one place the list lives:
// a rule added to behaviour.md is added here, and the test that holds this list
// to the contract fails until it is.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace lockstep {

enum class Rule : std::uint8_t {
  T1, T2, T3, T4, T5,          // Time
  S1, S2, S3, S4,              // Settings (per lock)
  L1, L2, L3, L4,              // Locks and the integration
  C1, C2, C3, C4, C5, C6,      // Codes
  B0, B1, B2, B3,              // Booking changes
  M1,                          // Messages
};

inline constexpr std::array<std::string_view, 24> kRuleNames{
    "T1", "T2", "T3", "T4", "T5", "S1", "S2", "S3", "S4", "L1", "L2", "L3",
    "L4", "C1", "C2", "C3", "C4", "C5", "C6", "B0", "B1", "B2", "B3", "M1"};

// behaviour.md's ids in its order.
constexpr std::span<const std::string_view> rule_ids() noexcept { return kRuleNames; }

constexpr std::string_view to_string(Rule r) noexcept {
  return kRuleNames[static_cast<std::size_t>(r)];
}

constexpr std::optional<Rule> rule_from_string(std::string_view id) noexcept {
  for (std::size_t i = 0; i < kRuleNames.size(); ++i)
    if (kRuleNames[i] == id) return static_cast<Rule>(i);
  return std::nullopt;
}

}  // namespace lockstep
