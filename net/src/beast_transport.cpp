// BeastTransport: synchronous for its caller. Connecting is an asynchronous
// operation run to completion on a private io_context (tcp_stream's timeout
// applies to it); an exchange is Beast's synchronous write and read over the
// non-blocking socket, each wait a poll() bounded by the exchange's deadline.
// The asynchronous form cost eight system calls an exchange (an event loop run
// twice, a timer armed and disarmed twice), the synchronous one three: the
// reference adapter in a conform run makes 20,000 exchanges strictly in turn
// with the harness.
//
// GCC 12 reports a false "potential null pointer dereference" inside Asio's
// executor comparison once inlined here; it is silenced for this file only.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <optional>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "lockstep/net/beast_transport.hpp"

namespace lockstep::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Kind = TransportFailure::Kind;

constexpr std::uint64_t kBodyLimit = 64ull * 1024 * 1024;  // device lists can be long

bool is_timeout(const beast::error_code& ec) { return ec == beast::error::timeout; }

// The peer went away: what a stale keep-alive connection looks like.
bool is_disconnect(const beast::error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == beast::http::error::partial_message;
}

// The socket as Beast's synchronous algorithms want it (SyncReadStream,
// SyncWriteStream), every wait for it bounded by one deadline: a server that
// never answers, or answers a byte at a time, ends the exchange at the deadline
// as tcp_stream's expires_after did.
class DeadlineSocket {
 public:
  DeadlineSocket(tcp::socket& socket, std::chrono::steady_clock::time_point deadline)
      : socket_(socket), deadline_(deadline) {}

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    for (;;) {
      if (!wait(POLLIN, ec)) return 0;
      const std::size_t n = socket_.read_some(buffers, ec);
      if (ec != asio::error::would_block && ec != asio::error::try_again) return n;
    }
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers, beast::error_code& ec) {
    for (;;) {
      const std::size_t n = socket_.write_some(buffers, ec);
      if (ec != asio::error::would_block && ec != asio::error::try_again) return n;
      if (!wait(POLLOUT, ec)) return 0;
    }
  }
  // The throwing forms the stream concepts also ask for (the exchange uses the
  // ones above).
  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    return or_throw([&](beast::error_code& ec) { return read_some(buffers, ec); });
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers) {
    return or_throw([&](beast::error_code& ec) { return write_some(buffers, ec); });
  }

 private:
  template <class Operation>
  static std::size_t or_throw(const Operation& operation) {
    beast::error_code ec;
    const std::size_t n = operation(ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

  // True once the socket is ready (or in error, which the read or write then
  // reports); false with beast::error::timeout past the deadline.
  bool wait(short events, beast::error_code& ec) {
    for (;;) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now()).count();
      if (left <= 0) {
        ec = beast::error::timeout;
        return false;
      }
      pollfd p{socket_.native_handle(), events, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
      if (ready > 0) return true;
      if (ready == 0) continue;  // the deadline, checked above
      if (errno != EINTR) {
        ec = beast::error_code(errno, beast::system_category());
        return false;
      }
    }
  }

  tcp::socket& socket_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace

struct BeastTransport::Impl {
  Endpoint endpoint;
  std::chrono::milliseconds timeout;
  asio::io_context io{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::optional<tcp::resolver::results_type> resolved;
  int connections = 0;

  Impl(Endpoint e, std::chrono::milliseconds t) : endpoint(std::move(e)), timeout(t) {}

  // Runs the queued asynchronous operation to completion.
  void run() {
    io.restart();
    io.run();
  }

  void close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
      stream.reset();
    }
    buffer.clear();
  }

  std::optional<TransportFailure> connect() {
    close();
    beast::error_code ec;
    if (!resolved) {
      tcp::resolver resolver(io);
      auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
      if (ec)
        return TransportFailure{Kind::connect_failed,
                                fmt::format("cannot resolve {}: {}", endpoint.host, ec.message())};
      resolved = std::move(results);
    }
    stream.emplace(io);
    stream->expires_after(timeout);
    stream->async_connect(*resolved, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      const bool timed_out = is_timeout(ec);
      close();
      return TransportFailure{timed_out ? Kind::timeout : Kind::connect_failed,
                              fmt::format("cannot connect to {}:{}: {}", endpoint.host,
                                          endpoint.port, timed_out ? "timed out" : ec.message())};
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    stream->socket().non_blocking(true, ec);
    if (ec) {
      close();
      return TransportFailure{Kind::connect_failed, fmt::format("cannot use the connection to {}:{}: {}",
                                                                endpoint.host, endpoint.port, ec.message())};
    }
    ++connections;
    return std::nullopt;
  }

  struct Outcome {
    std::expected<Response, TransportFailure> result;
    bool stale = false;  // the connection was found closed before any answer arrived
  };

  Outcome exchange(const Request& req, bool reused) {
    beast::error_code ec;
    {
      DeadlineSocket socket(stream->socket(), std::chrono::steady_clock::now() + timeout);
      beast::http::write(socket, req, ec);
    }
    if (ec) return failure(ec, reused, /*got_bytes=*/false, "sending the request");

    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    if (req.method() == beast::http::verb::head) parser.skip(true);
    DeadlineSocket socket(stream->socket(), std::chrono::steady_clock::now() + timeout);
    const std::size_t read_bytes = beast::http::read(socket, buffer, parser, ec);
    if (ec) return failure(ec, reused, read_bytes > 0 || parser.got_some(), "reading the response");
    Response response = parser.release();
    if (!response.keep_alive()) close();
    return {std::move(response), false};
  }

  Outcome failure(const beast::error_code& ec, bool reused, bool got_bytes, std::string_view during) {
    close();
    if (is_timeout(ec))
      return {std::unexpected(TransportFailure{Kind::timeout, fmt::format("timed out {}", during)}), false};
    if (is_disconnect(ec)) {
      if (!got_bytes && reused) return {std::unexpected(TransportFailure{Kind::reset, "stale connection"}), true};
      if (!got_bytes && (ec == beast::http::error::end_of_stream || ec == asio::error::eof))
        return {std::unexpected(TransportFailure{Kind::empty_response,
                                                 "the server closed the connection without answering"}),
                false};
      return {std::unexpected(TransportFailure{Kind::reset, fmt::format("connection lost {}: {}", during,
                                                                         ec.message())}),
              false};
    }
    if (ec.category() == beast::http::make_error_code(beast::http::error::bad_target).category() ||
        ec == beast::http::error::body_limit)
      return {std::unexpected(TransportFailure{Kind::malformed,
                                               fmt::format("malformed HTTP response: {}", ec.message())}),
              false};
    return {std::unexpected(TransportFailure{Kind::reset, fmt::format("{}: {}", during, ec.message())}),
            false};
  }
};

BeastTransport::BeastTransport(Endpoint endpoint, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(endpoint), timeout)) {}

BeastTransport::~BeastTransport() {
  if (impl_) impl_->close();
}

const Endpoint& BeastTransport::endpoint() const noexcept { return impl_->endpoint; }
int BeastTransport::connections_opened() const noexcept { return impl_->connections; }

std::expected<Response, TransportFailure> BeastTransport::send(Request req) {
  Impl& impl = *impl_;
  if (req.find(beast::http::field::host) == req.end())
    req.set(beast::http::field::host, fmt::format("{}:{}", impl.endpoint.host, impl.endpoint.port));
  if (req.find(beast::http::field::user_agent) == req.end())
    req.set(beast::http::field::user_agent, "lockstep");
  req.keep_alive(true);
  req.prepare_payload();
  try {
    const bool reused = impl.stream.has_value();
    if (!reused) {
      if (auto failed = impl.connect()) return std::unexpected(std::move(*failed));
    }
    auto outcome = impl.exchange(req, reused);
    if (outcome.stale) {  // the one reconnect
      if (auto failed = impl.connect()) return std::unexpected(std::move(*failed));
      outcome = impl.exchange(req, false);
    }
    return std::move(outcome.result);
  } catch (const std::exception& e) {  // allocation or a socket option: never past the edge
    impl.close();
    return std::unexpected(TransportFailure{Kind::connect_failed, e.what()});
  }
}

}  // namespace lockstep::net
