// Plain JSON (plain_json.hpp): a reader that only says yes to text whose meaning
// leaves nothing to interpret.
#include "lockstep/plain_json.hpp"

#include <algorithm>

namespace lockstep::plain_json {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_plain_char(char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

struct Cursor {
  std::string_view text;
  std::size_t at = 0;

  void skip_space() {
    while (at < text.size() && is_space(text[at])) ++at;
  }
  bool eat(char c) {
    skip_space();
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
  }
  bool peek(char c) {
    skip_space();
    return at < text.size() && text[at] == c;
  }
  bool literal(std::string_view word) {
    if (text.substr(at, word.size()) != word) return false;
    at += word.size();
    return true;
  }
  // A plain string, the opening quote next; its characters without the quotes.
  std::optional<std::string_view> string() {
    if (!eat('"')) return std::nullopt;
    const std::size_t start = at;
    while (at < text.size() && is_plain_char(text[at])) ++at;
    if (at >= text.size() || text[at] != '"') return std::nullopt;  // an escape, a control or a non-ASCII byte
    return text.substr(start, at++ - start);
  }
  // -?(0|[1-9][0-9]{0,8}), followed by no fraction and no exponent.
  bool integer(Member& m) {
    const std::size_t start = at;
    const bool negative = at < text.size() && text[at] == '-';
    if (negative) ++at;
    const std::size_t digits = at;
    long long value = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') value = value * 10 + (text[at++] - '0');
    const std::size_t count = at - digits;
    if (count == 0 || count > 9 || (count > 1 && text[digits] == '0')) return false;
    if (negative && value == 0) return false;  // "-0": a DOM prints it "0"
    if (at < text.size() && (text[at] == '.' || text[at] == 'e' || text[at] == 'E')) return false;
    m.kind = Kind::integer;
    m.integer = negative ? -value : value;
    m.text = text.substr(start, at - start);
    return true;
  }
};

// The object at the cursor (its '{' next) read into `out`; false when not plain.
bool read_members(Cursor& in, int depth, std::array<Member, kMaxPlainMembers>& out, std::size_t& size) {
  if (depth >= kMaxPlainDepth || !in.eat('{')) return false;
  size = 0;
  if (in.eat('}')) return true;
  while (true) {
    if (size == kMaxPlainMembers) return false;
    Member m;
    const auto key = in.string();
    if (!key || !in.eat(':')) return false;
    m.key = *key;
    for (std::size_t i = 0; i < size; ++i) {
      if (out[i].key == m.key) return false;  // a DOM keeps the last: not plain
    }
    in.skip_space();
    if (in.at >= in.text.size()) return false;
    const char c = in.text[in.at];
    if (c == '"') {
      const auto value = in.string();
      if (!value) return false;
      m.kind = Kind::string;
      m.text = *value;
    } else if (c == '{') {
      const std::size_t start = in.at;
      std::array<Member, kMaxPlainMembers> inner{};
      std::size_t inner_size = 0;
      if (!read_members(in, depth + 1, inner, inner_size)) return false;
      m.kind = Kind::object;
      m.text = in.text.substr(start, in.at - start);
    } else if (c == 't' || c == 'f') {
      m.kind = Kind::boolean;
      m.boolean = c == 't';
      const std::size_t start = in.at;
      if (!in.literal(m.boolean ? "true" : "false")) return false;
      m.text = in.text.substr(start, in.at - start);
    } else if (c == 'n') {
      const std::size_t start = in.at;
      if (!in.literal("null")) return false;
      m.kind = Kind::null;
      m.text = in.text.substr(start, in.at - start);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (!in.integer(m)) return false;
    } else {
      return false;  // an array, or not JSON
    }
    out[size++] = m;
    if (in.eat('}')) return true;
    if (!in.eat(',')) return false;
    if (in.peek('}')) return false;  // a trailing comma is not JSON
  }
}

}  // namespace

std::optional<Object> read_object(std::string_view text, int depth) {
  Object object;
  Cursor in{text};
  if (!read_members(in, depth, object.members_, object.size_)) return std::nullopt;
  in.skip_space();
  if (in.at != text.size()) return std::nullopt;
  return object;
}

const Member* Object::find(std::string_view key) const {
  const auto found = std::find_if(begin(), end(), [&](const Member& m) { return m.key == key; });
  return found == end() ? nullptr : found;
}

void Object::dump_sorted(std::string& out) const {
  std::array<const Member*, kMaxPlainMembers> sorted{};
  for (std::size_t i = 0; i < size_; ++i) sorted[i] = &members_[i];
  std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(size_),
            [](const Member* a, const Member* b) { return a->key < b->key; });
  out += '{';
  for (std::size_t i = 0; i < size_; ++i) {
    const Member& m = *sorted[i];
    if (i > 0) out += ',';
    out += '"';
    out += m.key;
    out += "\":";
    switch (m.kind) {
      case Kind::string:
        out += '"';
        out += m.text;
        out += '"';
        break;
      case Kind::object:
        // Read already when this object was: plain, within the depth.
        if (const auto inner = read_object(m.text, 0)) inner->dump_sorted(out);
        break;
      default: out += m.text; break;
    }
  }
  out += '}';
}

bool is_plain_string(std::string_view text) { return std::all_of(text.begin(), text.end(), is_plain_char); }

}  // namespace lockstep::plain_json
