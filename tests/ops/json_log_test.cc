// JSON log lines parse as JSON, escape what JSON requires, and never interleave.
#include "adapters/ops/json_log.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace stockroom::ops {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

rapidjson::Document parse(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  INFO(line);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string str(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

TEST_CASE("a log line has ts, level, event and typed fields", "[ops][log]") {
  std::ostringstream out;
  JsonLog log(out);
  log.info("nats.connected", {{"url", "nats://127.0.0.1:4222"},
                              {"attempt", 3},
                              {"offset", int64_t{-7}},
                              {"big", uint64_t{18'000'000'000'000'000'000u}},
                              {"ratio", 0.25},
                              {"ok", true}});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);
  CHECK(out.str().back() == '\n');
  auto doc = parse(lines[0]);
  CHECK(std::regex_match(str(doc["ts"]), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(str(doc["level"]) == "info");
  CHECK(str(doc["event"]) == "nats.connected");
  CHECK(str(doc["url"]) == "nats://127.0.0.1:4222");
  CHECK(doc["attempt"].GetInt64() == 3);
  CHECK(doc["offset"].GetInt64() == -7);
  CHECK(doc["big"].GetUint64() == 18'000'000'000'000'000'000u);
  CHECK(doc["ratio"].GetDouble() == 0.25);
  CHECK(doc["ok"].GetBool());
  // The line's own fields come first, in this order.
  CHECK(lines[0].starts_with("{\"ts\":\""));
  CHECK(lines[0].find("\",\"level\":\"info\",\"event\":\"nats.connected\",\"url\"") !=
        std::string::npos);
}

TEST_CASE("quotes, backslashes, newlines and control characters are escaped", "[ops][log]") {
  std::ostringstream out;
  JsonLog log(out);
  const std::string nasty = std::string("say \"hi\"\\ \n\r\t\b\f end\x01\x1f") + '\0' + "!";
  log.warn("odd \"event\"\n", {{"msg", nasty}, {"key\nwith\"quote", "v"}});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);  // the newline inside did not split the line
  CHECK(lines[0].find("\\u0001") != std::string::npos);
  CHECK(lines[0].find("\\u0000") != std::string::npos);
  auto doc = parse(lines[0]);
  CHECK(str(doc["level"]) == "warn");
  CHECK(str(doc["event"]) == "odd \"event\"\n");
  CHECK(str(doc["msg"]) == nasty);
  CHECK(str(doc["key\nwith\"quote"]) == "v");
}

TEST_CASE("UTF-8 passes through, invalid UTF-8 becomes U+FFFD", "[ops][log]") {
  std::ostringstream out;
  JsonLog log(out);
  log.info("utf8", {{"ok", "Grüße, 日本, 🛒"},
                    {"bad",
                     "a\xff"
                     "b\xc3"}});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("Grüße, 日本, 🛒") != std::string::npos);  // not \u-escaped
  auto doc = parse(lines[0]);
  CHECK(str(doc["ok"]) == "Grüße, 日本, 🛒");
  CHECK(str(doc["bad"]) ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD");
}

TEST_CASE("sanitize_utf8 replaces each maximal ill-formed subpart once", "[ops][log]") {
  const std::string r = "\xEF\xBF\xBD";
  CHECK(sanitize_utf8("plain ascii") == "plain ascii");
  CHECK(sanitize_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9B\x92") ==
        "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9B\x92");              // é € 🛒
  CHECK(sanitize_utf8("\x80") == r);                          // stray continuation
  CHECK(sanitize_utf8("\xC0\xAF") == r + r);                  // overlong '/': C0 is never valid
  CHECK(sanitize_utf8("\xE0\x80\xAF") == r + r + r);          // overlong 3-byte
  CHECK(sanitize_utf8("\xED\xA0\x80") == r + r + r);          // surrogate U+D800
  CHECK(sanitize_utf8("\xF4\x90\x80\x80") == r + r + r + r);  // above U+10FFFF
  CHECK(sanitize_utf8("\xE2\x82") == r);                      // truncated: one subpart
  CHECK(sanitize_utf8("\xE2\x82x") == r + "x");
  CHECK(sanitize_utf8("\xF0\x9F\x9B") == r);
  CHECK(sanitize_utf8("\xFF\xFE") == r + r);
  CHECK(sanitize_utf8("") == "");
}

TEST_CASE("non-finite doubles are written as null", "[ops][log]") {
  std::ostringstream out;
  JsonLog log(out);
  log.info("nan", {{"a", std::nan("")}, {"b", std::numeric_limits<double>::infinity()}});
  auto doc = parse(lines_of(out.str()).at(0));
  CHECK(doc["a"].IsNull());
  CHECK(doc["b"].IsNull());
}

TEST_CASE("lines below the minimum level are dropped", "[ops][log]") {
  std::ostringstream out;
  JsonLog log(out, Level::kWarn);
  CHECK_FALSE(log.enabled(Level::kInfo));
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 2);
  CHECK(str(parse(lines[0])["level"]) == "warn");
  CHECK(str(parse(lines[1])["level"]) == "error");
}

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds", "[ops][log]") {
  using namespace std::chrono;
  CHECK(format_timestamp(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(format_timestamp(system_clock::time_point{milliseconds{1'714'566'896'789}}) ==
        "2024-05-01T12:34:56.789Z");
  CHECK(format_timestamp(system_clock::time_point{milliseconds{-1}}) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("a FILE* sink gets the same lines", "[ops][log]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  {
    JsonLog log(f);
    log.error("disk.full", {{"free_bytes", 0}});
  }
  std::rewind(f);
  std::string text(256, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 1);
  auto doc = parse(lines[0]);
  CHECK(str(doc["event"]) == "disk.full");
  CHECK(doc["free_bytes"].GetInt64() == 0);
}

TEST_CASE("8 threads logging at once produce whole lines", "[ops][log][concurrency]") {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2'000;
  std::ostringstream out;
  JsonLog log(out);
  const std::string padding(300, 'x');  // long lines make a torn write likelier to show
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        log.info("tick", {{"thread", t}, {"i", i}, {"pad", padding}});
      }
    });
  }
  for (auto& t : threads) t.join();

  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == size_t{kThreads} * kPerThread);
  std::vector<int> next(kThreads, 0);
  for (const auto& line : lines) {
    auto doc = parse(line);
    const int t = static_cast<int>(doc["thread"].GetInt64());
    REQUIRE(doc["i"].GetInt64() == next[t]);  // each thread's lines stay in its order
    ++next[t];
    REQUIRE(str(doc["pad"]) == padding);
  }
}

}  // namespace
}  // namespace stockroom::ops
