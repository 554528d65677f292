// `lockstep sut`: the reference engine behind lockstep-sut/1 on stdin/stdout,
// its log on stderr. `lockstep conform --sut 'lockstep sut'` must pass every
// scenario; it is also the adapter docs/conformance.md walks through.
#include <iostream>
#include <string>

#include "command.hpp"
#include "lockstep/harness/profile.hpp"
#include "lockstep/harness/reference_protocol_server.hpp"

// A namespace of its own (not anonymous): the subcommands' files are compiled
// together in unity builds, and each has its Args, run() and registration.
namespace lockstep_cmd_sut {

struct SutArgs {
  std::string profile;
  std::uint64_t seed = 1;
  int http_timeout_ms = 5000;
  bool quiet = false;
};

int run_sut(const SutArgs& args) {
  lockstep::harness::ReferenceProtocolServerOptions options;
  if (!args.profile.empty()) {
    auto profile = lockstep::harness::load_profile(args.profile);
    if (!profile) {
      std::cerr << "lockstep sut: " << profile.error().message << "\n";
      return 2;
    }
    options.profile = *profile;
  }
  options.seed = args.seed;
  options.http_timeout_ms = args.http_timeout_ms;
  options.version = LOCKSTEP_VERSION;
  options.log = args.quiet ? nullptr : &std::cerr;
  std::ios::sync_with_stdio(false);
  std::cin.tie(nullptr);
  return lockstep::harness::serve_sut(std::cin, std::cout, options);
}

const bool registered = lockstep::cli::register_subcommand(
    "sut",
    "Serve the reference engine over lockstep-sut/1 (JSON lines on stdin/stdout, log on stderr): "
    "the example adapter for 'lockstep conform'. See docs/conformance.md.",
    [](CLI::App& sub) -> lockstep::cli::Run {
      auto args = std::make_shared<SutArgs>();
      sub.add_option("--profile", args->profile, "Profile file (JSON) with the behaviour knobs")
          ->check(CLI::ExistingFile);
      sub.add_option("--seed", args->seed, "Seed for random PINs")->capture_default_str();
      sub.add_option("--http-timeout", args->http_timeout_ms, "Timeout of one igloohome exchange, in ms")
          ->check(CLI::Range(100, 600000))
          ->capture_default_str();
      sub.add_flag("--quiet", args->quiet, "No log on stderr");
      return [args] { return run_sut(*args); };
    });

}  // namespace lockstep_cmd_sut
