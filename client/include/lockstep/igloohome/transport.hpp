// How the igloohome client reaches a server: one HTTP exchange at a time. Two
// implementations share the client's logic exactly — BeastTransport over real
// sockets (client/), and the mock's in-process transport (mock-igloohome/) that
// calls its request handler without a socket, for fast simulation.
#pragma once

#include <chrono>
#include <expected>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace lockstep::igloohome {

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

}  // namespace lockstep::igloohome
