// The mock over HTTP/1.1: an acceptor coroutine and one session coroutine per
// connection (Beast's example/http/server/awaitable), each connection on its own
// strand so that several threads can serve one io_context (advanced/server).
#include "lockstep/mock/server.hpp"

// g++ 12 at -O2 reports "potential null pointer dereference" inside Asio's
// executor comparisons (any_executor equal_ex) once inlined here: a known false
// positive of -Wnull-dereference on Asio's type-erased executors.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <array>
#include <atomic>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lockstep::mock {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds{30};
constexpr auto kLingerTimeout = std::chrono::seconds{2};
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// An answer for a request the handler never saw (it could not be parsed).
http::response<http::string_body> transport_error(http::status status, std::string_view code,
                                                  const std::string& message) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "lockstep-mock");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(false);
  res.body() = nlohmann::json{{"error", code}, {"message", message}}.dump();
  res.prepare_payload();
  return res;
}

}  // namespace

struct Server::Impl {
  Mock& mock;
  ServerOptions options;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  unsigned short bound_port = 0;
  std::mutex lifecycle;
  std::vector<std::thread> background;
  std::atomic<bool> stopped{false};

  Impl(Mock& m, ServerOptions o) : mock(m), options(std::move(o)), ioc(std::max(1, options.threads)) {}

  net::awaitable<void> session(beast::tcp_stream stream);
  net::awaitable<void> listen();
  void close_acceptor() {
    net::post(ioc, [this] {
      boost::system::error_code ignored;
      if (acceptor) acceptor->close(ignored);
    });
  }
};

namespace {

// After answering a request we stopped reading (too large, malformed), the
// peer may still be sending it. Closing with its bytes unread makes the kernel
// send a reset, which can destroy our answer before the peer reads it; so stop
// sending, then read and drop what still comes, briefly and boundedly.
net::awaitable<void> linger_close(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);
  std::array<char, 16 * 1024> sink{};
  std::size_t drained = 0;
  while (drained < kLingerBytes) {
    auto [error, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
    if (error) break;
    drained += n;
  }
  stream.socket().close(ignored);
}

}  // namespace

net::awaitable<void> Server::Impl::session(beast::tcp_stream stream) {
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      stream.expires_after(options.read_timeout);
      auto [read_error, bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
      (void)bytes;
      if (read_error) {
        // A message we could not read: answer when the peer can still listen
        // (its bytes were wrong), otherwise just close.
        std::optional<http::response<http::string_body>> answer;
        if (read_error == http::error::body_limit) {
          answer = transport_error(http::status::payload_too_large, "payload_too_large",
                                   fmt::format("body larger than {} bytes", options.body_limit));
        } else if (read_error == http::error::header_limit) {
          answer = transport_error(http::status::request_header_fields_too_large, "header_too_large",
                                   fmt::format("headers larger than {} bytes", options.header_limit));
        } else if (read_error.category() == http::make_error_code(http::error::bad_target).category() &&
                   read_error != http::error::end_of_stream && read_error != http::error::partial_message) {
          answer = transport_error(http::status::bad_request, "invalid_request",
                                   fmt::format("malformed HTTP request: {}", read_error.message()));
        }
        if (answer) {
          stream.expires_after(kWriteTimeout);
          co_await http::async_write(stream, *answer, use_tuple);
          co_await linger_close(stream);
          co_return;
        }
        break;
      }

      auto request = parser.release();
      Reply reply = mock.handle(request);
      if (reply.latency.count() > 0) {
        net::steady_timer timer(stream.get_executor(), reply.latency);
        co_await timer.async_wait(use_tuple);
      }
      if (reply.transport == Reply::Transport::reset) {
        boost::system::error_code ignored;
        stream.socket().set_option(tcp::socket::linger(true, 0), ignored);
        stream.socket().close(ignored);
        co_return;
      }
      if (reply.transport == Reply::Transport::empty) break;

      const bool keep_alive = reply.response.keep_alive();
      stream.expires_after(kWriteTimeout);
      auto [write_error, written] = co_await http::async_write(stream, reply.response, use_tuple);
      (void)written;
      if (write_error || !keep_alive) break;
    }
  } catch (const std::exception&) {
    // A connection's trouble never reaches the server; the connection just ends.
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

net::awaitable<void> Server::Impl::listen() {
  for (;;) {
    if (!acceptor || !acceptor->is_open()) co_return;
    auto [error, socket] = co_await acceptor->async_accept(net::make_strand(ioc), use_tuple);
    if (error) {
      if (error == net::error::operation_aborted || !acceptor->is_open()) co_return;
      continue;  // e.g. too many open files: keep serving the connections we have
    }
    auto executor = socket.get_executor();
    net::co_spawn(executor, session(beast::tcp_stream(std::move(socket))), net::detached);
  }
}

Server::Server(Mock& mock, ServerOptions options) : impl_(std::make_unique<Impl>(mock, std::move(options))) {
  auto& acceptor = impl_->acceptor.emplace(impl_->ioc);
  const tcp::endpoint endpoint(net::ip::make_address(impl_->options.host), impl_->options.port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  impl_->bound_port = acceptor.local_endpoint().port();
  net::co_spawn(impl_->ioc, impl_->listen(), net::detached);
}

Server::~Server() {
  stop();
  // Destroying the io_context destroys every suspended session, closing its socket.
  impl_->acceptor.reset();
}

unsigned short Server::port() const { return impl_->bound_port; }

void Server::run() {
  net::signal_set signals(impl_->ioc, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& error, int) {
    if (!error) {
      impl_->close_acceptor();
      impl_->ioc.stop();
    }
  });
  std::vector<std::thread> helpers;
  for (int i = 1; i < impl_->options.threads; ++i) helpers.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : helpers) t.join();
  boost::system::error_code ignored;
  signals.cancel(ignored);
}

void Server::start() {
  std::lock_guard guard(impl_->lifecycle);
  if (impl_->stopped || !impl_->background.empty()) return;
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->background.emplace_back([this] { impl_->ioc.run(); });
  }
}

void Server::stop() {
  std::lock_guard guard(impl_->lifecycle);
  if (!impl_->stopped.exchange(true)) {
    impl_->close_acceptor();
    impl_->ioc.stop();
  }
  for (auto& t : impl_->background) t.join();
  impl_->background.clear();
}

}  // namespace lockstep::mock
