// Base URLs as a production integration is configured with them (sut-protocol
// init's auth_url and api_url): what parse_base_url takes apart, and what it refuses.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include "lockstep/net/endpoint.hpp"

namespace lockstep::net {
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
}  // namespace lockstep::net
