// Issue 14, findings 8 and 9 (the connection part) and issue 15's busy port:
// the mock's socket server out of file descriptors, flooded with connections
// and with partial bodies — it pauses, refuses with 503 and gives back what it
// held, and it names a busy port plainly. Plain POSIX sockets, so the test
// controls every descriptor.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_process.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/server.hpp"
#include "lockstep/mock/world.hpp"

namespace lockstep::mock {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

int connect_to(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{10, 0};  // a broken server fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Everything the server sends until it closes (or 10 s of silence).
std::string read_until_close(int fd) {
  std::string out;
  char chunk[4096];
  for (;;) {
    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return out;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string request(unsigned short port, const std::string& bytes) {
  const int fd = connect_to(port);
  if (fd < 0) return "(cannot connect)";
  send_all(fd, bytes);
  auto answer = read_until_close(fd);
  ::close(fd);
  return answer;
}

const std::string kHealth = "GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

// Waits (bounded, asserting nothing about time) until `done` holds.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

struct Log {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
  std::size_t count(std::string_view needle) {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(needle) != std::string::npos;
    }));
  }
};

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Sanitizer runtimes open descriptors of their own (and the vptr check reads
// memory through them), so this test cannot run them out of descriptors: it runs
// in the normal build only.
#if defined(__SANITIZE_ADDRESS__)
#define LOCKSTEP_UNDER_SANITIZERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOCKSTEP_UNDER_SANITIZERS 1
#endif
#endif

TEST(HostileServer, OutOfDescriptorsTheAcceptorPausesSaysSoOnceAndRecovers) {
#ifdef LOCKSTEP_UNDER_SANITIZERS
  GTEST_SKIP() << "needs the process's descriptors to itself: not under ASan/UBSan";
#endif
  Mock mock(default_world());
  Log log;
  ServerOptions options;
  options.log = log.sink();
  Server server(mock, options);
  server.start();

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = open_descriptors() + 8;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  // Clients take the last descriptors; the connections they queue cannot be accepted.
  std::vector<int> clients;
  for (int i = 0; i < 64; ++i) {
    const int fd = connect_to(server.port());
    if (fd < 0) break;
    clients.push_back(fd);
  }
  EXPECT_TRUE(eventually([&] { return log.count("pausing accept") > 0; }));
  std::this_thread::sleep_for(500ms);  // several retries later, still one line
  EXPECT_EQ(log.count("pausing accept"), 1u);

  for (int fd : clients) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_THAT(request(server.port(), kHealth), StartsWith("HTTP/1.1 200"));
  EXPECT_TRUE(eventually([&] { return log.count("accepting connections again") == 1; }));
  server.stop();
}

TEST(HostileServer, PastMaxConnectionsANewOneIs503AndAClosedOneFreesItsSlot) {
  Mock mock(default_world());
  Log log;
  ServerOptions options;
  options.max_connections = 3;
  options.log = log.sink();
  Server server(mock, options);
  server.start();

  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(connect_to(server.port()));
  ASSERT_TRUE(eventually([&] { return server.stats().connections == 3; }));

  const auto refused = request(server.port(), kHealth);
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(refused, HasSubstr("server_busy"));
  EXPECT_EQ(server.stats().refused, 1u);
  EXPECT_EQ(log.count("--max-connections"), 1u);

  ::close(idle.back());
  idle.pop_back();
  ASSERT_TRUE(eventually([&] { return server.stats().connections == 2; }));
  EXPECT_THAT(request(server.port(), kHealth), StartsWith("HTTP/1.1 200"));
  for (int fd : idle) ::close(fd);
  EXPECT_TRUE(eventually([&] { return server.stats().connections == 0; }));
  server.stop();
}

std::string post_header(std::size_t content_length) {
  return "POST /__admin/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(content_length) + "\r\n\r\n";
}

TEST(HostileServer, PartialBodiesShareOneBudgetAndGiveItBackWhenTheyClose) {
  Mock mock(default_world());
  ServerOptions options;
  options.body_limit = 1024 * 1024;
  options.pending_body_limit = 1024 * 1024;
  Server server(mock, options);
  server.start();

  // A holds 800 kB of room with a body it never finishes.
  const int holder = connect_to(server.port());
  send_all(holder, post_header(800'000) + std::string(1000, ' '));
  ASSERT_TRUE(eventually([&] { return server.stats().pending_body_bytes == 800'000; }));

  // B's 400 kB does not fit beside it.
  const auto refused = request(server.port(), post_header(400'000));
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(refused, HasSubstr("server_busy"));

  // A gives up: its room comes back, and B's request is read and answered.
  ::close(holder);
  ASSERT_TRUE(eventually([&] { return server.stats().pending_body_bytes == 0 && server.stats().connections == 0; }));
  const auto answered = request(server.port(), post_header(400'000) + std::string(400'000, ' '));
  EXPECT_THAT(answered, StartsWith("HTTP/1.1 4"));  // read whole and judged (bad JSON), not refused
  EXPECT_THAT(answered, Not(HasSubstr("server_busy")));
  EXPECT_TRUE(eventually([&] { return server.stats().pending_body_bytes == 0; }));
  server.stop();
}

TEST(HostileServer, TheRequestLogHasOneLinePerCallWithoutTheQuery) {
  Mock mock(default_world());
  Log log;
  ServerOptions options;
  options.request_log = log.sink();
  Server server(mock, options);
  server.start();
  request(server.port(), "GET /igloohome/devices?client_secret=hunter2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  request(server.port(), kHealth);
  server.stop();
  std::lock_guard lock(log.mutex);
  ASSERT_EQ(log.lines.size(), 2u);
  EXPECT_EQ(log.lines[0], format_instant(mock.now()) + " GET /igloohome/devices 401");
  EXPECT_THAT(log.lines[1], HasSubstr(" GET /__admin/health 200"));
}

TEST(HostileServer, ABusyPortIsNamedPlainly) {
  Mock mock(default_world());
  Server first(mock, ServerOptions{});
  ServerOptions same;
  same.port = first.port();
  try {
    Server second(mock, same);
    FAIL() << "a second server listened on a busy port";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use);
    EXPECT_THAT(std::string(e.what()), StartsWith("port " + std::to_string(first.port()) + " is in use"));
  }
}

TEST(HostileServer, LockstepMockOnABusyPortExits2WithOneClearLine) {
  Mock mock(default_world());
  Server first(mock, ServerOptions{});
  const auto port = std::to_string(first.port());
  auto r = lockstep::testing::run_lockstep("mock --port " + port);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("lockstep mock: port " + port + " is in use"));
  EXPECT_THAT(r.output, Not(HasSubstr("bind")));  // no Boost internals
}

}  // namespace
}  // namespace lockstep::mock
