// The client options derived from the two base URLs of a production integration
// (sut-protocol init's auth_url and api_url), and HttpClient refusing a bad one.
#include <gtest/gtest.h>
#include "lockstep/clock.hpp"
#include "lockstep/igloohome/client.hpp"

namespace lockstep::igloohome {
namespace {

TEST(OptionsFor, TokenUnderTheAuthPrefixApiUnderTheApiPrefix) {
  ClientOptions base;
  base.scopes = {"get-devices"};
  const auto options = options_for({"127.0.0.1", 1, ""}, {"127.0.0.1", 1, "/igloohome"}, base);
  EXPECT_EQ(options.token_path, "/oauth2/token");
  EXPECT_EQ(options.api_prefix, "/igloohome");
  EXPECT_EQ(options.scopes, base.scopes);
  const auto nested = options_for({"h", 1, "/auth"}, {"h", 1, ""});
  EXPECT_EQ(nested.token_path, "/auth/oauth2/token");
  EXPECT_EQ(nested.api_prefix, "");
}

TEST(HttpClientOpen, RefusesABadUrlBeforeAnyConnection) {
  SimulatedClock clock;
  auto bad = HttpClient::open("https://auth", "http://127.0.0.1:1/igloohome", clock);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  auto good = HttpClient::open("http://127.0.0.1:1", "http://127.0.0.1:1/igloohome", clock);
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ((*good)->api_transport().endpoint().prefix, "/igloohome");
  EXPECT_EQ((*good)->api_transport().connections_opened(), 0);  // lazily connected
}

}  // namespace
}  // namespace lockstep::igloohome
