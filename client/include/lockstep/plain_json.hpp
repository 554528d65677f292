// Plain JSON: the small, flat objects the igloohome client and the mock trade on
// every call (a job request, a jobId, a job's status, an error), read in place
// without building a DOM. "Plain" is a strict subset of JSON chosen so that a
// document read here means exactly what nlohmann's DOM would make of it: objects
// (nested at most kMaxPlainDepth levels) whose keys are unique and whose values
// are strings of printable ASCII without escapes, integers of at most 9 digits
// (no "-0"), true, false, null or another plain object; arrays, fractions,
// escapes and anything else are not plain. A reader that meets text that is not
// plain says so (nullopt) and its caller reads the text the general way
// (json_input): this is a shortcut for the common case, never a second opinion
// on what JSON means.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lockstep::plain_json {

inline constexpr std::size_t kMaxPlainMembers = 16;
inline constexpr int kMaxPlainDepth = 4;

enum class Kind { string, integer, boolean, null, object };

struct Member {
  std::string_view key;
  Kind kind = Kind::null;
  // string: the characters between the quotes (as they are: nothing to unescape);
  // integer, boolean, null: the literal; object: the whole object's text, braces
  // included, to be read with read_object.
  std::string_view text;
  long long integer = 0;  // integer only
  bool boolean = false;   // boolean only
};

// One plain object's members, in the order written.
class Object {
 public:
  const Member* find(std::string_view key) const;
  const Member* begin() const { return members_.data(); }
  const Member* end() const { return members_.data() + size_; }
  std::size_t size() const { return size_; }

  // The object as nlohmann's dump() writes it (keys sorted, no spaces), which is
  // what a DOM parsed from the same text would print.
  void dump_sorted(std::string& out) const;

 private:
  friend std::optional<Object> read_object(std::string_view text, int depth);
  std::array<Member, kMaxPlainMembers> members_{};
  std::size_t size_ = 0;
};

// `text` (JSON whitespace around tokens allowed) as a plain object, or nullopt
// when it is not plain. `depth`: levels of nesting already above this object.
std::optional<Object> read_object(std::string_view text, int depth = 0);

// Whether `text` can be written inside quotes as it is: printable ASCII, no '"'
// and no '\\' (nlohmann's dump then writes it unchanged, and it reads back plain).
bool is_plain_string(std::string_view text);

}  // namespace lockstep::plain_json
