// Where a base URL points. A production integration is configured with base URLs
// (sut-protocol `init`'s auth_url and api_url); parsing them once, at the edge,
// gives a host and port for a transport and a path prefix for the requests.
#pragma once

#include <string>
#include <string_view>

#include "lockstep/error.hpp"

namespace lockstep::net {

// "http://127.0.0.1:8080/igloohome" gives host "127.0.0.1", port 8080, prefix
// "/igloohome" (no trailing slash; "" for none).
struct Endpoint {
  std::string host;
  unsigned short port = 80;
  std::string prefix;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// http:// only (lockstep talks to its mock; TLS is out of scope). Errors
// (invalid_argument, naming the URL): other schemes, empty host, bad port, a
// query or fragment, whitespace, credentials.
Result<Endpoint> parse_base_url(std::string_view url);

}  // namespace lockstep::net
