// Text codecs and hashes of the mock (see detail.hpp).
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "detail.hpp"

namespace lockstep::mock::detail {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_number(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<std::map<std::string, std::string>> parse_form(std::string_view text) {
  std::map<std::string, std::string> fields;
  if (text.empty()) return fields;
  for (const auto& pair : split(text, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = percent_decode(std::string_view(pair).substr(0, eq), true);
    auto value = percent_decode(eq == std::string::npos ? std::string_view{} : std::string_view(pair).substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    fields[*key] = *value;
  }
  return fields;
}

std::optional<WrittenDate> parse_written_date(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff](Z|±hh:mm)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_number(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !read_number(text, 5, 2, month) || text[7] != '-' || !read_number(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !read_number(text, 11, 2, hour) || text[13] != ':' ||
      !read_number(text, 14, 2, minute) || text[16] != ':' || !read_number(text, 17, 2, second)) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  std::size_t pos = 19;
  bool fraction_zero = true;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_zero &= (text[pos] == '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  WrittenDate d;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (!read_number(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_number(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    d.offset = std::chrono::hours{oh} + Minutes{om};
    if (text[pos] == '-') d.offset = -d.offset;
    d.explicit_offset = true;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  d.civil = LocalDateTime{date::local_days{ymd}} + std::chrono::hours{hour} + Minutes{minute} + Seconds{second};
  d.instant = Instant{d.civil.time_since_epoch() - d.offset};
  d.on_the_hour = minute == 0 && second == 0 && fraction_zero;
  return d;
}

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

int algopin_digits(std::string_view type) {
  if (type == "hourly") return 9;
  if (type == "daily") return 8;
  return 7;  // onetime, permanent
}

std::string algopin_value(const std::string& device_secret, std::string_view type, Instant start,
                          std::optional<Instant> end, int variance) {
  const std::string material =
      fmt::format("{}|{}|{}|{}|{}", device_secret, type, start.time_since_epoch().count(),
                  end ? fmt::format("{}", end->time_since_epoch().count()) : std::string("-"), variance);
  const std::uint64_t h = mix64(fnv1a64(material));
  const int digits = algopin_digits(type);
  std::uint64_t low = 1;
  for (int i = 1; i < digits; ++i) low *= 10;  // 10^(digits-1): no leading zero
  return fmt::format("{}", low + h % (9 * low));
}

}  // namespace lockstep::mock::detail
