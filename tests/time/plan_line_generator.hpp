// Seeded generator of `lockstep plan` input lines for the differential test
// (plan_differential_test.cpp) and bench/plan_differential.cpp: good bookings
// and every kind of bad line — not JSON (cut, glued, stray bytes, bad UTF-8,
// raw control characters, NUL), unknown fields, wrong types, repeated keys,
// escapes in keys and strings (surrogates included), numbers at and past every
// range, nesting around the limit, BOM, blank lines and CRLF endings.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace lockstep::plan_test {

class PlanLineGenerator {
 public:
  explicit PlanLineGenerator(std::uint64_t seed) : rng_(seed) {}

  // One input line, without its line ending (may be blank, may hold '\r').
  std::string line() {
    const int kind = pick(100);
    if (kind < 3) return one_of({"", " ", "\t", " \t ", "\r", "  \r"});  // blank
    if (kind < 45) return booking();  // a good booking, written in any of JSON's ways
    std::string text = object();
    if (kind < 55) return text;  // a well-formed object, good or not as a booking
    if (kind < 80) return mutate(std::move(text));
    if (kind < 88) return nested();
    return oddity(std::move(text));
  }

  // `n` lines joined into a stream, ending in LF or CRLF, sometimes with no final newline.
  std::string stream(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      out += line();
      if (i + 1 < n || pick(2) == 0) out += pick(10) == 0 ? "\r\n" : "\n";
    }
    return out;
  }

  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

 private:
  std::string one_of(std::initializer_list<const char*> options) {
    auto it = options.begin();
    std::advance(it, pick(static_cast<int>(options.size())));
    return *it;
  }

  std::string ws() {
    switch (pick(12)) {
      case 0: return " ";
      case 1: return "\t";
      case 2: return "  ";
      case 3: return "\r";
      case 4: return " \n ";  // a newline inside a line's text (only reachable in-process)
      default: return "";
    }
  }

  // A JSON string holding `text`, some characters escaped as JSON allows.
  std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
      const int r = pick(30);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else if (r == 0 && c < 0x80) {
        char buf[8];
        std::snprintf(buf, sizeof buf, r % 2 ? "\\u%04X" : "\\u%04x", c);
        out += buf;
      } else if (r == 1 && c == '/') {
        out += "\\/";
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

  std::string month_day() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d-%02d", 1 + pick(12), 1 + pick(pick(20) == 0 ? 32 : 28));
    return buf;
  }

  std::string local_time() {
    switch (pick(20)) {
      case 0: return one_of({"2026-05-10", "2026-05-10T15:00Z", "2026-02-30T10:00", "", "2026-13-01T10:00",
                             "2026-05-10T24:00", "2026-05-10T15:00:61", "tomorrow", " 2026-05-10T15:00",
                             "2026-05-10 15:00", "99999-01-01T00:00", "0000-01-01T00:00"});
      case 1: return one_of({"2026-03-29T02:30", "2026-10-25T02:30", "2026-03-08T02:15", "2011-12-30T15:00",
                             "2026-10-04T02:15"});
      default: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%04d-%s%s", 2025 + pick(3), month_day().c_str(),
                      one_of({"T14:00", "T15:00", "T16:30", "T02:30", "T10:00", "T11:00", "T00:00", "T23:59:59",
                              "T11:00:30"})
                          .c_str());
        return buf;
      }
    }
  }

  std::string zone() {
    return one_of({"Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Pacific/Apia",
                   "America/St_Johns", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo", "Australia/Lord_Howe",
                   "UTC", "Asia/Kathmandu", "America/Santiago", "Etc/GMT+5", "Mars/Olympus", "", "europe/paris",
                   "Europe/Paris ", "America/Argentina/Buenos_Aires"});
  }

  std::string number() {
    switch (pick(4)) {
      case 0: return std::to_string(pick(18) - 2);
      case 1: return std::to_string(pick(300) - 20);
      default:
        return one_of({"5", "30", "0", "-0", "14", "15", "240", "241", "5.0", "2.5", "1e1", "1E1", "0.5e1", "-1",
                       "1000000", "1000001", "-1000000", "-1000001", "2147483648", "9223372036854775807",
                       "9223372036854775808", "18446744073709551615", "18446744073709551616",
                       "-9223372036854775808", "-9223372036854775809", "99999999999999999999999", "1e400", "-1e400",
                       "1e-400", "4.9e-324", "1.7976931348623157e308", "01", "-01", "1.", ".5", "+1", "1e", "1e+",
                       "0x10", "NaN", "Infinity", "-", "1.5e-7", "123456.789e3", "0.1", "100000000000000000000.0"});
    }
  }

  std::string scalar_of_any_type() {
    switch (pick(8)) {
      case 0: return "null";
      case 1: return one_of({"true", "false"});
      case 2: return number();
      case 3: return "[]";
      case 4: return R"({"b":2,"a":[1,{"y":null,"x":true}]})";
      case 5: return "[1,\"two\",3.5]";
      default: return quoted(one_of({"5", "bridge", "algopin", "", "x"}));
    }
  }

  std::string id() {
    switch (pick(14)) {
      case 0: return std::to_string(pick(100000));
      case 1: return number();
      case 2: return scalar_of_any_type();
      case 3: return quoted(one_of({"réservation-ü", "日本語", "emoji 😀", "a\"b\\c", "tab\there", "nul\x01",
                                    "slash/", "", " ", "\x7f"}));
      case 4: return one_of({R"("\u00e9")", R"("\ud83d\ude00")", R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")",
                             R"("\u0000")", R"("\/\b\f\n\r\t")", R"("\x")", R"("\u12")", R"("\U00e9")",
                             R"("\uD83D\uDE00")", R"({"a":1,"a":2})", R"({"b":1,"a":2,"c":{"z":0,"y":[]}})",
                             R"([1,2,])", R"({"a":1,})", R"([1 2])", R"({"a" 1})", R"({1:2})", "\"raw\ttab\"",
                             "\"bad\xff\"", "\"half\xc3\"", "\"over\xc0\xaf\"", R"(-0.0)", R"(1E+2)", R"(2.50)",
                             R"(tru)", R"(nul)", R"(nullx)", R"(truefalse)"});
      default: return quoted("b" + std::to_string(pick(1000000)));
    }
  }

  // A booking the rules accept (but for a rare stay too long for algoPIN).
  std::string booking() {
    char in[32], out[32];
    const int year = 2025 + pick(3), month = 1 + pick(12), day = 1 + pick(28);
    const int nights = pick(50) == 0 ? 300 + pick(200) : 1 + pick(14);
    const int end_day = day + nights;  // carried into months of 28 days: a valid date, later
    const int end_month = month + (end_day - 1) / 28;
    std::snprintf(in, sizeof in, "%04d-%02d-%02dT%s", year, month, day,
                  one_of({"14:00", "15:00", "16:30", "02:30", "02:15", "00:00", "23:30:15"}).c_str());
    std::snprintf(out, sizeof out, "%04d-%02d-%02dT%s", year + (end_month - 1) / 12, 1 + (end_month - 1) % 12,
                  1 + (end_day - 1) % 28, one_of({"10:00", "11:00", "03:00"}).c_str());
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back(quoted("id"), pick(5) == 0 ? id() : quoted("b" + std::to_string(pick(1000000))));
    fields.emplace_back(quoted("timezone"),
                        quoted(one_of({"Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney",
                                       "Pacific/Apia", "America/St_Johns", "Europe/London", "Asia/Tokyo",
                                       "America/Sao_Paulo", "Australia/Lord_Howe", "UTC", "Asia/Kathmandu",
                                       "America/Santiago", "Pacific/Chatham", "Africa/Casablanca"})));
    fields.emplace_back(quoted("checkin"), quoted(in));
    fields.emplace_back(quoted("checkout"), quoted(out));
    if (pick(2)) fields.emplace_back(quoted("days_before"), pick(2) ? std::to_string(1 + pick(14)) : "null");
    if (pick(2)) fields.emplace_back(quoted("margin_minutes"), std::to_string(pick(241)));
    if (pick(2)) fields.emplace_back(quoted("lock"), pick(3) ? quoted("bridge") : quoted("algopin"));
    if (pick(4) == 0) {
      char at[40];
      std::snprintf(at, sizeof at, "%04d-%02d-%02dT%02d:%02d:00Z", year, month, 1 + pick(28), pick(24), pick(60));
      fields.emplace_back(quoted("booked_at"), quoted(at));
    }
    return join(std::move(fields));
  }

  std::string join(std::vector<std::pair<std::string, std::string>> fields) {
    for (std::size_t i = fields.size(); i > 1; --i) std::swap(fields[i - 1], fields[static_cast<std::size_t>(pick(static_cast<int>(i)))]);
    std::string out = ws() + "{";
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ws() + ",";
      out += ws() + fields[i].first + ws() + ":" + ws() + fields[i].second;
    }
    return out + ws() + "}" + ws();
  }

  // A key=value list made into an object, fields in any order, some repeated,
  // some unknown, some of the wrong type.
  std::string object() {
    std::vector<std::pair<std::string, std::string>> fields;
    if (pick(10) != 0) fields.emplace_back(quoted("id"), id());
    if (pick(20) != 0) fields.emplace_back(quoted("timezone"), pick(15) == 0 ? scalar_of_any_type() : quoted(zone()));
    if (pick(30) != 0) fields.emplace_back(quoted("checkin"), pick(20) == 0 ? scalar_of_any_type() : quoted(local_time()));
    if (pick(30) != 0) {
      fields.emplace_back(quoted("checkout"), pick(20) == 0 ? scalar_of_any_type() : quoted(local_time()));
    }
    if (pick(2) == 0) fields.emplace_back(quoted("days_before"), pick(6) == 0 ? scalar_of_any_type() : number());
    if (pick(2) == 0) fields.emplace_back(quoted("margin_minutes"), pick(6) == 0 ? scalar_of_any_type() : number());
    if (pick(2) == 0) {
      fields.emplace_back(quoted("lock"), pick(8) == 0 ? scalar_of_any_type()
                                                       : quoted(one_of({"bridge", "algopin", "algopin", "", "nuki",
                                                                        "Bridge", "algopin "})));
    }
    if (pick(4) == 0) {
      fields.emplace_back(quoted("booked_at"),
                          pick(8) == 0 ? scalar_of_any_type()
                                       : quoted(one_of({"2026-01-10T09:00:00Z", "2026-05-09T23:00:00Z",
                                                        "2026-12-31T23:59:59Z", "2027-06-01T00:00:00Z", "tomorrow",
                                                        "", "2026-01-10T09:00:00+01:00", "2026-01-10T09:00Z"})));
    }
    if (pick(12) == 0) {
      fields.emplace_back(one_of({R"("margin")", R"("Id")", R"("zz")", R"("a\"b")", R"("é")", R"("\u0000")",
                                  R"("\u0069d")", R"("lock ")", R"("")", R"("aa")", R"("\ud83d\ude00")"}),
                          scalar_of_any_type());
    }
    if (pick(12) == 0 && !fields.empty()) fields.push_back(fields[static_cast<std::size_t>(pick(static_cast<int>(fields.size())))]);
    if (pick(15) == 0 && !fields.empty()) {  // the same key again, another value
      fields.emplace_back(fields[static_cast<std::size_t>(pick(static_cast<int>(fields.size())))].first, scalar_of_any_type());
    }
    return join(std::move(fields));
  }

  std::string mutate(std::string text) {
    static const char stray[] = {'{', '}', '[', ']', ',', ':', '"', '\\', 'x', '\0', '\x01', '\x1f', '\xff', '\xc3',
                                 ' ', '\t', '\r', '\n', '0', '-', 'e', '.', '\x7f'};
    const int times = 1 + pick(3);
    for (int t = 0; t < times && !text.empty(); ++t) {
      const std::size_t at = static_cast<std::size_t>(pick(static_cast<int>(text.size())));
      switch (pick(4)) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), stray[pick(sizeof stray)]); break;
        case 2: text[at] = stray[pick(sizeof stray)]; break;
        default: text.resize(at); break;
      }
    }
    return text;
  }

  // Arrays and objects nested around json_input::kMaxDepth (the line is level 1).
  std::string nested() {
    const int levels = one_of_int({1, 2, 126, 127, 128, 129, 130, 200, 1000, 5000});
    std::string open, close;
    const bool objects = pick(3) == 0;
    for (int i = 0; i < levels; ++i) {
      open += objects ? "{\"a\":" : "[";
      close += objects ? "}" : "]";
    }
    std::string inner = open + (objects ? "0" : "") + close;
    switch (pick(6)) {
      case 0: inner.resize(inner.size() - 1); break;           // one bracket short
      case 1: inner += "]"; break;                              // one too many
      case 2: inner = open; break;                              // never closed
      default: break;
    }
    const std::string key = pick(2) == 0 ? "id" : (pick(2) == 0 ? "deep" : "timezone");
    switch (pick(4)) {
      case 0: return inner;  // the whole line
      case 1: return "{\"" + key + "\":" + inner + ",\"timezone\":\"UTC\",\"checkin\":\"2026-05-10T15:00\",\"checkout\":\"2026-05-12T11:00\"}";
      case 2: return "{\"" + key + "\":" + inner + ",\"x\":\"\xff\"}";  // deep, then bad UTF-8
      default: return "{\"" + key + "\":" + inner + ",\"x\":1,}";      // deep, then a syntax error
    }
  }

  int one_of_int(std::initializer_list<int> options) {
    auto it = options.begin();
    std::advance(it, pick(static_cast<int>(options.size())));
    return *it;
  }

  std::string oddity(std::string text) {
    switch (pick(12)) {
      case 0: return "\xEF\xBB\xBF" + text;  // BOM
      case 1: return "\xEF\xBB" + text;      // half a BOM
      case 2: return text + text;            // two objects on one line
      case 3: return text + " x";
      case 4: return "[" + text + "]";
      case 5: return text + std::string(1, '\0');
      case 6: return text + std::string(1, '\0') + "junk";
      case 7: return one_of({"null", "true", "1", "\"text\"", "[]", "[1,2", "{", "}", "not json", "\x01\x02", "-",
                             "{}", "{\"id\":}", "\xff\xfe", "[1]x", "\"a\" \"b\""});
      case 8: return text + "\r";
      case 9: return "  " + text + "\t";
      case 10: return text + "/*c*/";
      default: return text + ",";
    }
  }

  std::mt19937_64 rng_;
};

}  // namespace lockstep::plan_test
