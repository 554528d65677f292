// json_input: bounded nesting and errors that say where.
#include "lockstep/json_input.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lockstep::json_input {
namespace {

TEST(JsonInput, ParsesOrdinaryDocuments) {
  auto v = parse(R"({"a": [1, {"b": "c"}], "d": null})");
  ASSERT_TRUE(v) << v.error().with_excerpt();
  EXPECT_EQ((*v)["a"][1]["b"], "c");
}

TEST(JsonInput, DepthAtTheLimitIsAcceptedOneMoreIsRefused) {
  // Built by append: g++ 12 warns falsely (-Warray-bounds) on string&& + string&&.
  auto nest = [](std::size_t n) {
    std::string text(n, '[');
    text.append(n, ']');
    return text;
  };
  EXPECT_TRUE(parse(nest(8), 8));
  auto deep = parse(nest(9), 8);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().kind, ParseErrorKind::too_deep);
  EXPECT_EQ(deep.error().column, 9u);  // the ninth bracket crosses the limit
  EXPECT_EQ(deep.error().message, "nested deeper than 8 levels");
}

TEST(JsonInput, HundredThousandLevelsAreRefusedWithoutRecursion) {
  std::string text = "{\"k\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto v = parse(text);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind, ParseErrorKind::too_deep);
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse("{\"s\": \"" + std::string(1000, '[') + "\"}"));
}

TEST(JsonInput, SyntaxErrorNamesLineColumnAndShowsTheLine) {
  auto v = parse("{\n  \"a\": 1,\n  \"b\": tru\n}");
  ASSERT_FALSE(v);
  const auto& e = v.error();
  EXPECT_EQ(e.kind, ParseErrorKind::syntax);
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.source_line, "  \"b\": tru");
  EXPECT_EQ(e.where_and_what().rfind("line 3, column ", 0), 0u) << e.where_and_what();
  EXPECT_EQ(e.message.find("[json.exception"), std::string::npos) << e.message;
  auto excerpt = e.with_excerpt();
  EXPECT_NE(excerpt.find("\n    \"b\": tru\n"), std::string::npos) << excerpt;
  EXPECT_EQ(excerpt.back(), '^');
}

TEST(JsonInput, TrailingTextIsAnError) {
  auto v = parse("{} x");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().line, 1u);
}

}  // namespace
}  // namespace lockstep::json_input

#include "lockstep/base64.hpp"

namespace lockstep {
namespace {

// The one base64 of lockstep (the client's Basic credentials and JWT claims, the
// mock's tokens and cursors): RFC 4648 vectors, both alphabets, and refusals.
TEST(Base64, Rfc4648VectorsBothAlphabetsAndRefusals) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    EXPECT_EQ(base64::encode(plain), coded) << plain;
    EXPECT_EQ(base64::decode(coded), std::string(plain)) << coded;
  }
  EXPECT_EQ(base64::encode("demo-client:demo-secret"), "ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=");
  const std::string bytes("\xfb\xff\xfe", 3);
  EXPECT_EQ(base64::encode(bytes), "+//+");
  EXPECT_EQ(base64::encode(bytes, /*url=*/true), "-__-");
  EXPECT_EQ(base64::encode("f", true), "Zg");  // no padding in base64url
  EXPECT_EQ(base64::decode("-__-"), bytes);
  EXPECT_EQ(base64::decode("Zg"), std::string("f"));
  EXPECT_FALSE(base64::decode("Zm9v!"));    // not in either alphabet
  EXPECT_FALSE(base64::decode("Zm9vY"));    // 4k+1 characters: no encoding gives that
}

}  // namespace
}  // namespace lockstep
