// A tiny HTTP server for the transport tests: one background thread accepting on
// 127.0.0.1 (port 0), handing each connection to a scripted behaviour, so tests
// can stage what a real network does — keep-alive, closing an idle connection,
// never answering, answering garbage.
#pragma once

// GCC 12 reports a false "potential null pointer dereference" inside Asio's
// executor comparison once inlined into the tests; silenced where Asio is used.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace lockstep::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class SocketServer {
 public:
  // `serve(socket, connection_index)` runs for each accepted connection, in turn.
  using Behaviour = std::function<void(tcp::socket&, int)>;

  explicit SocketServer(Behaviour serve)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), serve_(std::move(serve)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { loop(); });
  }

  ~SocketServer() {
    stopping_ = true;
    release();
    beast::error_code ec;
    tcp::socket poke(io_);  // wakes the blocking accept
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  unsigned short port() const { return port_; }
  int connections() const { return connections_; }

  // For behaviours that hold a connection open until the test is done with it.
  void wait_for_release() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return released_; });
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    cv_.notify_all();
  }

  // Reads one request; false when the client went away first.
  static bool read_request(tcp::socket& socket, beast::flat_buffer& buffer,
                           beast::http::request<beast::http::string_body>& out) {
    beast::error_code ec;
    beast::http::read(socket, buffer, out, ec);
    return !ec;
  }

  static void answer(tcp::socket& socket, int status, std::string body, bool keep_alive = true) {
    beast::http::response<beast::http::string_body> res{static_cast<beast::http::status>(status), 11};
    res.set(beast::http::field::content_type, "application/json");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    beast::error_code ec;
    beast::http::write(socket, res, ec);
  }

  static void write_raw(tcp::socket& socket, std::string_view bytes) {
    beast::error_code ec;
    asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ec);
  }

  static void close(tcp::socket& socket) {
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

 private:
  void loop() {
    int index = 0;
    while (!stopping_) {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) break;
      ++connections_;
      serve_(socket, index++);
      close(socket);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  Behaviour serve_;
  unsigned short port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool released_ = false;
};

}  // namespace lockstep::net::testing
