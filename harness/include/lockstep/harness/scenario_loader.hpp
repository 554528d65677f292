// Reading scenarios from JSON or YAML (docs/scenario-format.md,
// docs/scenario.schema.json).
//
// A file holds one scenario (an object) or a suite (an array of them); a
// directory is walked recursively and its *.json, *.yaml and *.yml files read in
// sorted path order, so a suite's order never depends on the file system. A YAML
// file is turned into the JSON value it stands for (yaml_input.hpp) and then read
// exactly as JSON is. Text is parsed with bounded nesting (json_input.hpp); a
// parse error reads "file:line:col: why", then the line and a caret.
//
// Loading is all or nothing, and a file's mistakes are reported together (up to
// 20): each on its own line of Error::message as "file: path: reason" (YAML:
// "file:line: path: reason"), e.g. "scenarios/dst.json: [2].timeline[4].at: not
// an RFC 3339 instant: \"2026-03-29 02:30\"", the first one's JSON path in
// Error::field. Refused: unknown fields (a typo must not silently drop a check),
// values of the wrong type or out of their range, unknown rule ids, references
// to bookings, faults, properties or locks that do not exist, scenario names
// used twice — and a setup (connect, properties, locks, bookings) a participant
// would refuse: a setup request cannot expect an error.
//
// Values of timeline events that a participant is meant to judge (a time zone,
// a setting's range, a booking's dates) are NOT judged here: a scenario sends
// them deliberately bad and expects the error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/error.hpp"
#include "lockstep/harness/scenario.hpp"

namespace lockstep::harness {

// Every rule id of behaviour.md, in its order (T1 ... M1).
const std::vector<std::string>& known_rule_ids();

// Parses one scenario or a suite from parsed JSON. `file` names the source in
// messages and is the base for relative world files. Error codes:
// invalid_argument (a bad field; `field` holds its JSON path), io_error (a world
// file that cannot be read).
Result<std::vector<Scenario>> parse_scenarios(const nlohmann::json& json, std::string_view file);
// The same from text: YAML when `file` ends in .yaml or .yml, else JSON;
// invalid_json when it cannot be parsed (with line, column and the line).
Result<std::vector<Scenario>> parse_scenarios_text(std::string_view text, std::string_view file);
// True for the names a directory walk reads: *.json, *.yaml, *.yml.
bool is_scenario_file(const std::filesystem::path& path);
// One file; io_error when it cannot be read.
Result<std::vector<Scenario>> load_scenario_file(const std::filesystem::path& path);
// Files and directories (recursively, *.json/*.yaml/*.yml, sorted), in the order given; a path
// that does not exist is io_error. Names must be unique across everything loaded.
Result<std::vector<Scenario>> load_scenarios(const std::vector<std::filesystem::path>& paths);

// A generator scenario made concrete: properties, locks (on a generated world with
// enough bridges), bookings, outages, door probes and expectations, all derived
// from the generator's seed (or `run_seed` when it has none). Scenarios without a
// generator are returned unchanged.
Scenario expand_generator(const Scenario& scenario, std::uint64_t run_seed);

}  // namespace lockstep::harness
