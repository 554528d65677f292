// How a client reaches an HTTP server: one exchange at a time, behind an interface
// so that the same client logic runs over sockets or in-process. Two
// implementations: BeastTransport over real sockets (net/beast_transport.hpp), and
// the mock's in-process transport (mock-igloohome/) that calls its request handler
// without a socket, for fast simulation. Failures are values with a kind a caller
// can act on (the igloohome client maps them to rule C6's outcomes).
#pragma once

#include <expected>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace lockstep::net {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct TransportFailure {
  enum class Kind { connect_failed, reset, timeout, empty_response, malformed };
  Kind kind = Kind::connect_failed;
  std::string message;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // `req.target()` is the path and query; the transport knows the host.
  virtual std::expected<Response, TransportFailure> send(Request req) = 0;
};

}  // namespace lockstep::net
