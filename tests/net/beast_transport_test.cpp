// BeastTransport over real loopback sockets against a scripted server: keep-alive,
// one reconnect on a stale connection (and only one), timeouts, and each kind of
// broken answer becoming the TransportFailure the client classifies (C6).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "lockstep/net/beast_transport.hpp"
#include "socket_server.hpp"

namespace lockstep::net {
namespace {

using testing::SocketServer;
using Kind = TransportFailure::Kind;
using namespace std::chrono_literals;

Request get(std::string target) { return Request{http::verb::get, target, 11}; }

Endpoint local(unsigned short port) { return Endpoint{"127.0.0.1", port, ""}; }

// Answers every request on a connection with {"n": <request number>} until the client leaves.
void echo_count(testing::tcp::socket& socket, int) {
  static std::atomic<int> counter{0};
  testing::beast::flat_buffer buffer;
  while (true) {
    http::request<http::string_body> req;
    if (!SocketServer::read_request(socket, buffer, req)) return;
    SocketServer::answer(socket, 200, std::string(req.target()) + " " + std::to_string(++counter));
  }
}

TEST(BeastTransport, KeepsOneConnectionAlive) {
  SocketServer server(echo_count);
  BeastTransport transport(local(server.port()), 5s);
  for (int i = 0; i < 5; ++i) {
    auto r = transport.send(get("/x/" + std::to_string(i)));
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->result_int(), 200u);
    EXPECT_TRUE(r->body().starts_with("/x/" + std::to_string(i) + " "));
  }
  EXPECT_EQ(transport.connections_opened(), 1);
  EXPECT_EQ(server.connections(), 1);
}

TEST(BeastTransport, SendsHostAndTheBodyWithItsLength) {
  std::promise<http::request<http::string_body>> seen;
  SocketServer server([&](testing::tcp::socket& socket, int) {
    testing::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    if (!SocketServer::read_request(socket, buffer, req)) return;
    SocketServer::answer(socket, 201, R"({"ok":true})");
    seen.set_value(std::move(req));
  });
  BeastTransport transport(local(server.port()), 5s);
  Request req{http::verb::post, "/igloohome/devices", 11};
  req.body() = R"({"a":1})";
  auto r = transport.send(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->result_int(), 201u);
  EXPECT_EQ(r->body(), R"({"ok":true})");
  const auto got = seen.get_future().get();
  EXPECT_EQ(got.body(), R"({"a":1})");
  EXPECT_EQ(got[http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(got.target(), "/igloohome/devices");
}

TEST(BeastTransport, ReconnectsOnceWhenTheServerClosedAnIdleConnection) {
  std::promise<void> first_closed;
  SocketServer server([&](testing::tcp::socket& socket, int index) {
    if (index == 0) {  // answer once with keep-alive, then drop the idle connection
      testing::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      if (!SocketServer::read_request(socket, buffer, req)) return;
      SocketServer::answer(socket, 200, "first");
      SocketServer::close(socket);
      first_closed.set_value();
      return;
    }
    echo_count(socket, index);
  });
  BeastTransport transport(local(server.port()), 5s);
  ASSERT_TRUE(transport.send(get("/a")).has_value());
  first_closed.get_future().wait();
  auto second = transport.send(get("/b"));
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_TRUE(second->body().starts_with("/b "));
  EXPECT_EQ(transport.connections_opened(), 2);
}

TEST(BeastTransport, ReconnectsOnlyOnce) {
  std::promise<void> first_closed;
  SocketServer server([&](testing::tcp::socket& socket, int index) {
    testing::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    if (!SocketServer::read_request(socket, buffer, req)) return;
    if (index == 0) {
      SocketServer::answer(socket, 200, "first");
      SocketServer::close(socket);
      first_closed.set_value();
    }
    // later connections: read the request and hang up without answering
  });
  BeastTransport transport(local(server.port()), 5s);
  ASSERT_TRUE(transport.send(get("/a")).has_value());
  first_closed.get_future().wait();
  auto second = transport.send(get("/b"));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, Kind::empty_response);
  EXPECT_EQ(transport.connections_opened(), 2);
}

TEST(BeastTransport, ConnectionCloseIsHonoured) {
  SocketServer server([&](testing::tcp::socket& socket, int) {
    testing::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    if (!SocketServer::read_request(socket, buffer, req)) return;
    SocketServer::answer(socket, 200, "bye", /*keep_alive=*/false);
  });
  BeastTransport transport(local(server.port()), 5s);
  ASSERT_TRUE(transport.send(get("/a")).has_value());
  ASSERT_TRUE(transport.send(get("/b")).has_value());
  EXPECT_EQ(transport.connections_opened(), 2);
}

TEST(BeastTransport, ASilentServerIsATimeout) {
  SocketServer* self = nullptr;
  SocketServer server([&](testing::tcp::socket& socket, int) {
    testing::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    SocketServer::read_request(socket, buffer, req);
    self->wait_for_release();
  });
  self = &server;
  BeastTransport transport(local(server.port()), 200ms);
  auto r = transport.send(get("/slow"));
  server.release();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, Kind::timeout);
}

// The deadline is the exchange's, not each read's: a server that sends a byte
// every 20 ms would otherwise keep a 200 ms request going for the 2 s its body takes.
TEST(BeastTransport, AServerAnsweringAByteAtATimeIsATimeout) {
  std::atomic<bool> stop{false};
  SocketServer server([&](testing::tcp::socket& socket, int) {
    testing::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    if (!SocketServer::read_request(socket, buffer, req)) return;
    SocketServer::write_raw(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    for (int i = 0; i < 100 && !stop; ++i) {
      std::this_thread::sleep_for(20ms);
      testing::beast::error_code ec;
      testing::asio::write(socket, testing::asio::buffer("x", 1), ec);
      if (ec) return;
    }
  });
  BeastTransport transport(local(server.port()), 200ms);
  auto r = transport.send(get("/trickle"));
  stop = true;
  ASSERT_FALSE(r.has_value()) << "the whole body arrived: the deadline was per read";
  EXPECT_EQ(r.error().kind, Kind::timeout) << r.error().message;
}

TEST(BeastTransport, ARefusedConnectionIsConnectFailed) {
  unsigned short port = 0;
  {
    testing::asio::io_context io;
    testing::tcp::acceptor probe(io, testing::tcp::endpoint(testing::asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  BeastTransport transport(local(port), 2s);
  auto r = transport.send(get("/x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, Kind::connect_failed);
  EXPECT_NE(r.error().message.find(std::to_string(port)), std::string::npos);
}

TEST(BeastTransport, AnUnknownHostIsConnectFailed) {
  BeastTransport transport(Endpoint{"no-such-host.invalid", 80, ""}, 2s);
  auto r = transport.send(get("/x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, Kind::connect_failed);
}

struct BrokenAnswer {
  const char* name;
  std::string bytes;  // written after the request is read; then the connection closes
  Kind expected;
};

struct BeastTransportBroken : ::testing::TestWithParam<BrokenAnswer> {};

TEST_P(BeastTransportBroken, BecomesTheMatchingFailure) {
  const BrokenAnswer& b = GetParam();
  SocketServer server([&](testing::tcp::socket& socket, int) {
    testing::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    if (!SocketServer::read_request(socket, buffer, req)) return;
    if (!b.bytes.empty()) SocketServer::write_raw(socket, b.bytes);
  });
  BeastTransport transport(local(server.port()), 5s);
  auto r = transport.send(get("/x"));
  ASSERT_FALSE(r.has_value()) << r->body();
  EXPECT_EQ(r.error().kind, b.expected) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    C6, BeastTransportBroken,
    ::testing::Values(BrokenAnswer{"empty", "", Kind::empty_response},
                      BrokenAnswer{"not_http", "garbage\r\n\r\n", Kind::malformed},
                      BrokenAnswer{"bad_length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", Kind::malformed},
                      BrokenAnswer{"cut_headers", "HTTP/1.1 200 OK\r\nContent-Le", Kind::reset},
                      BrokenAnswer{"cut_body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a\"", Kind::reset}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(BeastTransport, RecoversAfterAFailure) {
  SocketServer server([&](testing::tcp::socket& socket, int index) {
    if (index == 0) {
      testing::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      SocketServer::read_request(socket, buffer, req);
      SocketServer::write_raw(socket, "garbage\r\n\r\n");
      return;
    }
    echo_count(socket, index);
  });
  BeastTransport transport(local(server.port()), 5s);
  EXPECT_FALSE(transport.send(get("/a")).has_value());
  auto r = transport.send(get("/b"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(transport.connections_opened(), 2);
}

}  // namespace
}  // namespace lockstep::net
