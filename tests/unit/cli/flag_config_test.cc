#include "cli/flag_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_util.h"
#include "unit/cli/cli_test_util.h"

namespace pipegrid::cli {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::pipegrid::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ParseArgs;
using testing::ScopedEnv;

// A subcommand like `pipegrid up`, with a prefix no real environment uses.
class FlagConfigTest : public ::testing::Test {
 protected:
  FlagConfigTest() {
    up_ = app_.add_subcommand("up");
    up_->add_option("--data-dir", data_dir_);
    up_->add_option("--name", name_);
    up_->add_option("--slots", slots_)->check(CLI::Range(1, 64));
    up_->add_option("--label", labels_);
    up_->add_flag("--verbose", verbose_);
    EnableEnvAndConfig(*up_, "PGTEST_");
    app_.add_subcommand("other");
  }

  std::string WriteConfig(const std::string& yaml) {
    std::string path = dir_.Sub("config.yaml");
    std::ofstream(path) << yaml;
    return path;
  }

  // The variables this fixture's options read, unset for every test.
  ScopedEnv no_data_dir_{"PGTEST_DATA_DIR", std::nullopt};
  ScopedEnv no_name_{"PGTEST_NAME", std::nullopt};
  ScopedEnv no_slots_{"PGTEST_SLOTS", std::nullopt};
  ScopedEnv no_config_{"PGTEST_CONFIG", std::nullopt};

  TempDir dir_;
  CLI::App app_{"test"};
  CLI::App* up_ = nullptr;
  std::string data_dir_ = "/default/dir";
  std::string name_ = "default-name";
  int slots_ = 1;
  std::vector<std::string> labels_;
  bool verbose_ = false;
};

TEST_F(FlagConfigTest, SetsEnvNamesFromLongFlagNames) {
  EXPECT_EQ(EnvNameForFlag("PIPEGRID_", "data-dir"), "PIPEGRID_DATA_DIR");
  EXPECT_EQ(up_->get_option("--data-dir")->get_envname(), "PGTEST_DATA_DIR");
  EXPECT_EQ(up_->get_option("--slots")->get_envname(), "PGTEST_SLOTS");
  EXPECT_EQ(up_->get_option("--config")->get_envname(), "PGTEST_CONFIG");
}

TEST_F(FlagConfigTest, DefaultWhenNothingIsSet) {
  ParseArgs(app_, {"up"});
  EXPECT_EQ(data_dir_, "/default/dir");
  EXPECT_EQ(slots_, 1);
}

TEST_F(FlagConfigTest, FileBeatsDefault) {
  std::string path =
      WriteConfig("data-dir: /from/file\nslots: 4\nlabel: [zone=a, disk=ssd]\nverbose: true\n");
  ParseArgs(app_, {"up", "--config", path});
  EXPECT_EQ(data_dir_, "/from/file");
  EXPECT_EQ(slots_, 4);
  EXPECT_THAT(labels_, ElementsAre("zone=a", "disk=ssd"));
  EXPECT_TRUE(verbose_);
}

TEST_F(FlagConfigTest, EnvironmentBeatsFile) {
  std::string path = WriteConfig("data-dir: /from/file\nslots: 4\n");
  ScopedEnv env("PGTEST_DATA_DIR", "/from/env");
  ParseArgs(app_, {"up", "--config", path});
  EXPECT_EQ(data_dir_, "/from/env");
  EXPECT_EQ(slots_, 4);  // not in the environment: the file still counts
}

TEST_F(FlagConfigTest, FlagBeatsEnvironmentAndFile) {
  std::string path = WriteConfig("data-dir: /from/file\n");
  ScopedEnv env("PGTEST_DATA_DIR", "/from/env");
  ParseArgs(app_, {"up", "--config", path, "--data-dir", "/from/flag"});
  EXPECT_EQ(data_dir_, "/from/flag");
}

TEST_F(FlagConfigTest, EachLevelInOneParse) {
  // data-dir: flag, env and file; name: env and file; slots: file; label: none.
  std::string path = WriteConfig("data-dir: /file\nname: file-name\nslots: 8\n");
  ScopedEnv env_dir("PGTEST_DATA_DIR", "/env");
  ScopedEnv env_name("PGTEST_NAME", "env-name");
  ParseArgs(app_, {"up", "--data-dir", "/flag", "--config", path});
  EXPECT_EQ(data_dir_, "/flag");
  EXPECT_EQ(name_, "env-name");
  EXPECT_EQ(slots_, 8);
  EXPECT_TRUE(labels_.empty());
  EXPECT_FALSE(verbose_);
}

TEST_F(FlagConfigTest, ConfigPathFromEnvironment) {
  std::string path = WriteConfig("slots: 3\n");
  ScopedEnv env("PGTEST_CONFIG", path);
  ParseArgs(app_, {"up"});
  EXPECT_EQ(slots_, 3);
}

TEST_F(FlagConfigTest, UnknownKeyIsAnErrorNamingIt) {
  std::string path = WriteConfig("slots: 2\nsolts: 4\n");
  try {
    ParseArgs(app_, {"up", "--config", path});
    FAIL() << "expected a CLI::ConfigError";
  } catch (const CLI::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown key \"solts\""));
    EXPECT_THAT(e.what(), HasSubstr(path));
  }
}

TEST_F(FlagConfigTest, ListForSingleValuedOptionIsAnError) {
  std::string path = WriteConfig("data-dir: [/a, /b]\n");
  EXPECT_THROW(ParseArgs(app_, {"up", "--config", path}), CLI::ConfigError);
}

TEST_F(FlagConfigTest, FileValuesAreValidated) {
  std::string path = WriteConfig("slots: 100\n");
  EXPECT_THROW(ParseArgs(app_, {"up", "--config", path}), CLI::ValidationError);
}

TEST_F(FlagConfigTest, MissingOrInvalidFileIsAnErrorNamingIt) {
  std::string missing = dir_.Sub("nope.yaml");
  try {
    ParseArgs(app_, {"up", "--config", missing});
    FAIL() << "expected a CLI::FileError";
  } catch (const CLI::FileError& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing));
  }
  std::string bad = WriteConfig("slots: [1\n");
  EXPECT_THROW(ParseArgs(app_, {"up", "--config", bad}), CLI::FileError);
}

TEST_F(FlagConfigTest, ConfigOfAnotherSubcommandIsNotRead) {
  ScopedEnv env("PGTEST_CONFIG", dir_.Sub("missing.yaml"));
  EXPECT_NO_THROW(ParseArgs(app_, {"other"}));
}

TEST(ParseFlagConfigTest, ReadsScalarsAndListsInOrder) {
  Result<std::vector<FlagConfigEntry>> entries = ParseFlagConfig("b: 1\na: [x, y]\nc: ''\n");
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].key, "b");
  EXPECT_THAT((*entries)[0].values, ElementsAre("1"));
  EXPECT_FALSE((*entries)[0].is_list);
  EXPECT_EQ((*entries)[1].key, "a");
  EXPECT_THAT((*entries)[1].values, ElementsAre("x", "y"));
  EXPECT_TRUE((*entries)[1].is_list);
  EXPECT_THAT((*entries)[2].values, ElementsAre(""));
}

TEST(ParseFlagConfigTest, EmptyDocumentIsEmpty) {
  Result<std::vector<FlagConfigEntry>> entries = ParseFlagConfig("# nothing\n");
  ASSERT_THAT(entries, IsOk());
  EXPECT_TRUE(entries->empty());
}

TEST(ParseFlagConfigTest, RejectsShapesThatAreNotFlags) {
  EXPECT_THAT(ParseFlagConfig("- a\n- b\n"), StatusIs(StatusCode::kInvalidArgument));
  Result<std::vector<FlagConfigEntry>> nested = ParseFlagConfig("tls:\n  dir: /x\n");
  EXPECT_THAT(nested, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(nested.status().message(), HasSubstr("\"tls\""));
  Result<std::vector<FlagConfigEntry>> null_value = ParseFlagConfig("slots:\n");
  EXPECT_THAT(null_value, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(null_value.status().message(), HasSubstr("\"slots\" has no value"));
  EXPECT_THAT(ParseFlagConfig("a: [[1]]\n"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFlagConfig("a: [1\n"), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pipegrid::cli
