// The profile file: behaviour.md's knobs, as a team reads the help page.
//
// Where the product's help page is ambiguous, behaviour.md names a knob and fixes
// the reference default. A team whose implementation reads the page differently
// writes its reading in a small JSON file; `lockstep conform --profile FILE` runs
// the reference engine with the same knobs and judges the implementation against
// that, so only real divergences remain. Every key is optional; absent keys keep
// the documented default:
//
//   {
//     "generation_local_time": "00:00",          // T3, HH:MM
//     "retry_interval_minutes": 60,              // T4, 1..1440
//     "retry_deadline": "end_of_checkin_day",    // T4, or start_of_checkin_day, checkin_time
//     "schedule_tolerance_minutes": 0,           // T5, 0..1440
//     "disconnect_deletes_future_codes": false   // L4
//   }
//
// Unknown keys and bad values are refused with a message naming the key, and
// nothing of the file is used.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lockstep/error.hpp"
#include "lockstep/rules.hpp"

namespace lockstep::harness {

// The profile in `text` (JSON), applied over the defaults. invalid_json when the
// text is not a JSON object (a parse error reads "<file>:line:col: why", then the
// line and a caret; nesting is bounded as json_input's); invalid_setting naming
// the key otherwise.
Result<Profile> parse_profile(std::string_view text);
Result<Profile> parse_profile(std::string_view text, std::string_view file);
// The same from a parsed value (a scenario's "profile" object).
Result<Profile> profile_from_json(const nlohmann::json& doc);

// Reads and parses a profile file; io_error when it cannot be read. Messages
// start with the path.
Result<Profile> load_profile(const std::string& path);

// The profile as a file would write it (every key), for reports.
std::string profile_to_json(const Profile& profile);

}  // namespace lockstep::harness
