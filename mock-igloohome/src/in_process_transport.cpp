#include "lockstep/mock/in_process_transport.hpp"

#include <fmt/format.h>

namespace lockstep::mock {

std::expected<net::Response, net::TransportFailure> InProcessTransport::send(
    net::Request req) {
  using Kind = net::TransportFailure::Kind;
  req.prepare_payload();  // as it would be on the wire (Content-Length)
  Reply reply = mock_.handle(req);
  if (reply.latency > timeout_) {
    return std::unexpected(net::TransportFailure{
        Kind::timeout, fmt::format("no answer within {} ms (mock latency {} ms)", timeout_.count(),
                                   reply.latency.count())});
  }
  switch (reply.transport) {
    case Reply::Transport::normal:
      return std::move(reply.response);
    case Reply::Transport::reset:
      return std::unexpected(net::TransportFailure{Kind::reset, "connection reset by peer"});
    case Reply::Transport::empty:
      return std::unexpected(
          net::TransportFailure{Kind::empty_response, "connection closed without a response"});
    case Reply::Transport::malformed:
      return std::unexpected(net::TransportFailure{Kind::malformed, "malformed response body"});
  }
  return std::unexpected(net::TransportFailure{Kind::malformed, "unknown transport outcome"});
}

}  // namespace lockstep::mock
