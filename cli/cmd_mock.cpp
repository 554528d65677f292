// `lockstep mock`: the mock igloohome over HTTP until SIGINT/SIGTERM. See docs/mock.md.
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/server.hpp"
#include "lockstep/mock/world.hpp"

// A namespace of its own (not anonymous): the subcommands' files are compiled
// together in unity builds, and each has its Args, run() and registration.
namespace lockstep_cmd_mock {

struct MockOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8123;
  std::string world_file;
  int threads = 2;
  bool realtime = false;
  std::string now;
  std::size_t journal_limit = 100'000;
  std::size_t max_connections = lockstep::mock::ServerOptions{}.max_connections;
  std::size_t max_pending_body_bytes = lockstep::mock::ServerOptions{}.pending_body_limit;
  std::vector<std::string> log;  // what to log on stdout: "requests"
};

// Lines from several server threads, each whole.
void print_line(std::ostream& out, std::string_view line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  out << line << '\n';
  out.flush();
}

int run_mock(const MockOptions& options) {
  using namespace lockstep;
  mock::World world = mock::default_world();
  if (!options.world_file.empty()) {
    auto loaded = mock::load_world_file(options.world_file);
    if (!loaded) {
      std::cerr << "lockstep mock: " << loaded.error().message << "\n";
      return 2;
    }
    world = std::move(*loaded);
  }
  if (!options.now.empty()) {
    auto t = parse_instant(options.now);
    if (!t) {
      std::cerr << "lockstep mock: --now: " << t.error().message << "\n";
      return 2;
    }
    world.now = *t;
  }
  mock::Mock mock(std::move(world));
  // Faults listed in the world file are checked when the Mock loads them.
  if (options.realtime) mock.follow_system_time(true);
  mock.limit_journal(options.journal_limit);

  mock::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  server_options.max_connections = options.max_connections;
  server_options.pending_body_limit = options.max_pending_body_bytes;
  server_options.log = [](std::string_view line) { print_line(std::cerr, line); };
  for (const auto& what : options.log)
    if (what == "requests") server_options.request_log = [](std::string_view line) { print_line(std::cout, line); };
  std::optional<mock::Server> server_slot;
  try {
    server_slot.emplace(mock, server_options);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::address_in_use)
      std::cerr << fmt::format("lockstep mock: port {} is in use (another program listens there): choose another "
                               "--port, or --port 0 for any free one\n",
                               options.port);
    else
      std::cerr << "lockstep mock: " << e.what() << "\n";
    return lockstep::cli::kExitBadInput;
  }
  mock::Server& server = *server_slot;
  std::cout << fmt::format(
      "lockstep mock listening on http://{}:{}  (token: /oauth2/token, API: /igloohome, admin: "
      "/__admin)  virtual clock {}{}\n",
      options.host, server.port(), format_instant(mock.now()), options.realtime ? " (real time)" : "");
  std::cout.flush();
  server.run();
  std::cout << "lockstep mock: stopped\n";
  return 0;
}

const bool registered = lockstep::cli::register_subcommand(
    "mock",
    "Serve the mock igloohome API (token, devices, bridge jobs, algoPIN) with its lock "
    "simulator, virtual clock, faults and admin API on 127.0.0.1. See docs/mock.md.",
    [](CLI::App& sub) -> lockstep::cli::Run {
      auto options = std::make_shared<MockOptions>();
      sub.add_option("--port", options->port, "TCP port (0: any free port, printed)")
          ->capture_default_str();
      sub.add_option("--world", options->world_file, "World file (JSON); default: the built-in world")
          ->check(CLI::ExistingFile);
      sub.add_option("--host", options->host, "Address to listen on")->capture_default_str();
      sub.add_option("--threads", options->threads, "Server threads")
          ->check(CLI::Range(1, 64))
          ->capture_default_str();
      sub.add_option("--now", options->now, "Virtual clock start (RFC 3339), overrides the world's");
      sub.add_option("--journal-limit", options->journal_limit,
                     "Keep the newest N requests in the journal (0: all); a server under load would grow without end")
          ->capture_default_str();
      sub.add_option("--max-connections", options->max_connections,
                     "Connections served at once; one more is answered 503 and closed (docs/mock.md, Limits)")
          ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
          ->capture_default_str();
      sub.add_option("--max-pending-body-bytes", options->max_pending_body_bytes,
                     "Bytes of request bodies being received, all connections together; a request that does "
                     "not fit is answered 503")
          ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 40))
          ->capture_default_str();
      sub.add_option("--log", options->log, "What to log on stdout, one line each: 'requests' (virtual time, "
                                            "method, path, status)")
          ->check(CLI::IsMember({"requests"}))
          ->delimiter(',');
      sub.add_flag("--realtime", options->realtime,
                   "Let the virtual clock follow the system clock from its start value");
      return [options] { return run_mock(*options); };
    });

}  // namespace lockstep_cmd_mock
