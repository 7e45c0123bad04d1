// A strict reader of the Prometheus text format 0.0.4 for tests: fails the
// test on any line a scraper would reject (HELP before TYPE, one family's
// samples together, histogram samples named _bucket/_sum/_count with a le
// label on buckets), and returns the samples keyed by `name{label="v",...}`
// exactly as written.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace pipegrid::api::testing {

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram
  std::map<std::string, double> samples;

  // The sample, or -1 (and a test failure) when it is missing.
  double At(const std::string& series) const {
    auto it = samples.find(series);
    EXPECT_TRUE(it != samples.end()) << "no sample " << series;
    return it == samples.end() ? -1 : it->second;
  }
};

inline Exposition ParseExposition(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|untyped))");
  static const std::regex kSample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|\+Inf))re");
  Exposition out;
  EXPECT_FALSE(text.empty());
  if (!text.empty()) {
    EXPECT_EQ(text.back(), '\n');
  }
  std::set<std::string> helped;
  std::set<std::string> finished_families;  // families whose samples are over
  std::string current;                      // family of the latest TYPE line
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "second HELP for " << m[1];
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP for " << m[1];
      EXPECT_TRUE(out.types.emplace(m[1], m[2]).second) << "second TYPE for " << m[1];
      if (!current.empty()) finished_families.insert(current);
      current = m[1];
    } else if (std::regex_match(line, m, kSample)) {
      std::string name = m[1];
      std::string family = name;
      if (out.types[current] == "histogram") {
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
          std::string s = suffix;
          if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            family = name.substr(0, name.size() - s.size());
            if (s == "_bucket") {
              EXPECT_NE(line.find("le=\""), std::string::npos) << "bucket without le: " << line;
            }
          }
        }
      }
      EXPECT_EQ(family, current) << "sample outside its family: " << line;
      EXPECT_FALSE(finished_families.count(family)) << "family split: " << line;
      std::string series = line.substr(0, line.rfind(' '));
      double value = std::stod(line.substr(line.rfind(' ') + 1));
      EXPECT_TRUE(out.samples.emplace(series, value).second) << "duplicate series " << series;
    } else {
      ADD_FAILURE() << "not a valid exposition line: \"" << line << "\"";
    }
  }
  return out;
}

}  // namespace pipegrid::api::testing
