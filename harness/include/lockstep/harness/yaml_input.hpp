// YAML scenario files read as the JSON values they stand for.
//
// A `.yaml`/`.yml` scenario file is the same document as its JSON twin, written
// with comments and without braces: it is turned into a nlohmann::json value and
// then goes through exactly the loader, checks and messages a JSON file does.
// What YAML can say and JSON cannot is refused rather than guessed at, with the
// line it is on:
//   - anchors (&a) and aliases (*a), merge keys included: a scenario is read top
//     to bottom, and an alias is a way to grow a small file into a huge value;
//   - tags other than the core schema's (!!str, !!int, !!float, !!bool, !!null);
//   - keys that are sequences or mappings, empty (null) keys, and a key written
//     twice in one mapping (YAML forbids it; JSON parsers silently keep the last);
//   - more than one document (`---`) in a file; infinities and NaN.
// Plain scalars follow the YAML 1.2 core schema: `true`/`false` (any case of the
// first letter or all) are booleans, `null`/`~`/nothing is null, decimal, 0x and
// 0o integers and decimal floats are numbers, everything else is a string — so
// `yes`, `on` and `2026-06-10T15:00` stay strings. A plain key is taken as its
// text (`1:` is the key "1").
//
// Nesting is bounded like json_input's: the document is built from parser events
// with a depth check at each collection, so a 100,000-deep document is refused
// before anything recurses over it. Every value remembers the line it was
// written on (for a mapping's member, the key's line), by JSON path, so the
// loader's errors can say "file.yaml:12: timeline[3].at: ...".
#pragma once

#include <cstddef>
#include <expected>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lockstep/json_input.hpp"

namespace lockstep::harness::yaml_input {

struct Document {
  nlohmann::json value;
  // JSON path as the loader writes it ("", "name", "[2].timeline[4].at") -> 1-based line.
  std::map<std::string, std::size_t, std::less<>> lines;

  // The line of `path`, or of its nearest ancestor that has one; 0 when none.
  std::size_t line_of(std::string_view path) const;
};

// Parses `text` as one YAML document. A failure is a json_input::ParseError
// (syntax, too_deep, too_large) with line, column, offset and message.
std::expected<Document, json_input::ParseError> parse(std::string_view text,
                                                      std::size_t max_depth = json_input::kMaxDepth);

// True for the file names read as YAML: *.yaml and *.yml (any case).
bool is_yaml_file(std::string_view file_name);

}  // namespace lockstep::harness::yaml_input
