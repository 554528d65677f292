// parse_base_url: a base URL taken apart once, at the edge, with an error that
// names the URL and what is wrong with it.
#include <charconv>
#include <string>

#include <fmt/format.h>

#include "lockstep/net/endpoint.hpp"

namespace lockstep::net {

Result<Endpoint> parse_base_url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid_argument, fmt::format("base URL '{}': {}", url, why), "url");
  };
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) {
    if (url.find("://") == std::string_view::npos) return bad("expected http://host[:port][/prefix]");
    return bad("only http:// is supported");
  }
  std::string_view rest = url.substr(scheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("a query or fragment is not allowed");
  if (rest.find_first_of(" \t\r\n") != std::string_view::npos) return bad("whitespace is not allowed");
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in the URL are not allowed");

  Endpoint endpoint;
  std::string_view host = authority;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the host");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return bad("empty port");
  }
  if (host.empty()) return bad("empty host");
  endpoint.host = std::string(host);
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
      return bad(fmt::format("port '{}' is not a number in 1..65535", port_text));
    endpoint.port = static_cast<unsigned short>(value);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  endpoint.prefix = std::string(path);
  return endpoint;
}

}  // namespace lockstep::net
