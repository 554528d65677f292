// Base URLs as a production integration is configured with them (sut-protocol
// init's auth_url and api_url), and the client options derived from them.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include "lockstep/igloohome/client.hpp"

namespace lockstep::igloohome {
namespace {

TEST(ParseBaseUrl, HostPortAndPrefix) {
  EXPECT_EQ(parse_base_url("http://127.0.0.1:8080/igloohome").value(), (Endpoint{"127.0.0.1", 8080, "/igloohome"}));
  EXPECT_EQ(parse_base_url("http://127.0.0.1:8123").value(), (Endpoint{"127.0.0.1", 8123, ""}));
  EXPECT_EQ(parse_base_url("http://localhost/").value(), (Endpoint{"localhost", 80, ""}));
  EXPECT_EQ(parse_base_url("http://mock.test:9/a/b//").value(), (Endpoint{"mock.test", 9, "/a/b"}));
  EXPECT_EQ(parse_base_url("http://[::1]:8080/x").value(), (Endpoint{"::1", 8080, "/x"}));
}

TEST(ParseBaseUrl, RefusesWhatItCannotServeNamingTheUrl) {
  for (const char* bad : {"", "https://api.igloodeveloper.co/igloohome", "ftp://x", "127.0.0.1:8080",
                          "http://", "http://:8080/x", "http://host:/x", "http://host:0", "http://host:65536",
                          "http://host:80a", "http://host:-1", "http://host/x?y=1", "http://host/x#f",
                          "http://user:pw@host/", "http://[::1/", "http://ho st/"}) {
    auto parsed = parse_base_url(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument) << bad;
    EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
  }
}

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

RC_GTEST_PROP(ParseBaseUrl, FormattedEndpointsParseBack, ()) {
  const auto label = *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(
      std::string("abcdefghijklmnopqrstuvwxyz0123456789-"))));
  const auto port = *rc::gen::inRange<unsigned>(1, 65536);
  const auto segments = *rc::gen::container<std::vector<std::string>>(rc::gen::nonEmpty(
      rc::gen::container<std::string>(rc::gen::elementOf(std::string("abcXYZ019-_.~")))));
  std::string prefix;
  for (const auto& s : segments) prefix += "/" + s;
  const auto parsed = parse_base_url(fmt::format("http://{}:{}{}", label, port, prefix));
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(parsed->host == label);
  RC_ASSERT(parsed->port == port);
  RC_ASSERT(parsed->prefix == prefix);
}

RC_GTEST_PROP(ParseBaseUrl, NeverThrowsAndErrorsNameTheInput, (const std::string& text)) {
  const auto parsed = parse_base_url(text);
  if (!parsed) {
    RC_ASSERT(parsed.error().code == ErrorCode::invalid_argument);
  } else {
    RC_ASSERT(!parsed->host.empty());
    RC_ASSERT(parsed->port > 0);
  }
}

}  // namespace
}  // namespace lockstep::igloohome
