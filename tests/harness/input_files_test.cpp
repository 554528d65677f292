// Profile and conform expectation files are read with the bounded parser: a
// hostile file is a clear error naming the file, the place and the limit, never
// a crash (issue 14), and values are cut in messages.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lockstep/harness/conform_expectations.hpp"
#include "lockstep/harness/profile.hpp"

namespace lockstep::harness {
namespace {

using ::testing::HasSubstr;

class Dir {
 public:
  Dir() : path_(std::filesystem::temp_directory_path() /
                ("lockstep-input-files-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::create_directories(path_);
  }
  ~Dir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

const std::string kDeep = std::string(100'000, '[') + std::string(100'000, ']');

TEST(ProfileFile, DeepNestingIsRefusedNamingFileAndLimit) {
  Dir dir;
  const auto path = dir.write("p.json", R"({"retry_deadline": )" + kDeep + "}");
  auto p = load_profile(path);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::invalid_json);
  EXPECT_THAT(p.error().message, HasSubstr(path + ":1:"));
  EXPECT_THAT(p.error().message, HasSubstr("nested deeper than 128 levels"));
  EXPECT_LT(p.error().message.size(), 1000u);
}

TEST(ProfileFile, ParseErrorsShowTheLineAndACaret) {
  Dir dir;
  const auto path = dir.write("p.json", "{\n  \"retry_interval_minutes\": 60,\n}\n");
  auto p = load_profile(path);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::invalid_json);
  EXPECT_THAT(p.error().message, HasSubstr(path + ":3:1: "));
  EXPECT_THAT(p.error().message, HasSubstr("\n  }\n  ^"));
}

TEST(ProfileFile, LargeValuesAreCutInMessages) {
  auto p = parse_profile(R"({"retry_deadline": [")" + std::string(1'000'000, 'x') + R"("]})");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::invalid_setting);
  EXPECT_THAT(p.error().message, HasSubstr("'retry_deadline' must be"));
  EXPECT_LT(p.error().message.size(), 400u);
}

TEST(ExpectationsFile, DeepNestingIsRefusedNamingFileAndLimit) {
  Dir dir;
  const auto path = dir.write("e.json", R"({"accepted": [{"scenario": )" + kDeep + "}]}");
  auto e = load_expectations(path);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::invalid_json);
  EXPECT_THAT(e.error().message, HasSubstr(path + ":1:"));
  EXPECT_THAT(e.error().message, HasSubstr("nested deeper than 128 levels"));
  EXPECT_LT(e.error().message.size(), 1000u);
}

TEST(ExpectationsFile, AnUnknownRuleIsRefused) {
  auto e = parse_expectations(R"({"accepted": [{"scenario": "s", "rule": "T9", "reason": "r"}]})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "accepted[0].rule");
  EXPECT_THAT(e.error().message, HasSubstr("unknown rule id \"T9\""));
}

TEST(ExpectationsFile, ParseErrorsNameTheFile) {
  Dir dir;
  const auto path = dir.write("e.json", R"({"accepted": [)");
  auto e = load_expectations(path);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::invalid_json);
  EXPECT_EQ(e.error().message.rfind(path + ":1:", 0), 0u) << e.error().message;
}

}  // namespace
}  // namespace lockstep::harness
