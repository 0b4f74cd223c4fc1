// What a cluster test needs to talk to `serve --cluster` like a backend service: the
// key mapping the nats-servers are given, ids placed in a chosen partition, a client
// connection, and a command resent with the same id until it is answered. No Catch
// assertion in send(): load threads call it (Catch's macros are not thread-safe).
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include "adapters/nats/client.h"
#include "engine/model/routing.h"

namespace stockroom::testing {

// The `mappings` body (nats-api.md, keyed subjects) for `partitions` partitions.
inline std::string key_mappings(int partitions) {
  const std::string n = std::to_string(partitions);
  return R"("stockroom.cmd.*.*.*": "stockroom.p.{{partition()" + n +
         R"(,3)}}.cmd.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}")" + "\n" +
         R"("stockroom.query.*.*": "stockroom.p.{{partition()" + n +
         R"(,2)}}.query.{{wildcard(1)}}.{{wildcard(2)}}")";
}

// The first id `stem`-k (k = 0, 1, …) that lives in `partition` of `partitions`.
inline std::string id_in_partition(const std::string& stem, uint32_t partition,
                                   uint32_t partitions) {
  for (int k = 0;; ++k) {
    std::string id = stem + "-" + std::to_string(k);
    if (partition_of(id, partitions) == partition) return id;
  }
}

// RFC 3339 UTC with microseconds (the API's time format), `offset` from now.
inline std::string rfc3339_in(std::chrono::milliseconds offset) {
  const auto at = std::chrono::system_clock::now() + offset;
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  const std::time_t t = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char text[48];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%06lldZ", static_cast<long long>(micros % 1'000'000));
  return text;
}

// Microseconds since the Unix epoch of an RFC 3339 UTC time as the API writes it
// ("2026-12-01T10:02:11.482113Z"); -1 when it is not one.
inline int64_t micros_of_rfc3339(const std::string& text) {
  std::tm t{};
  int micros = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%6dZ", &t.tm_year, &t.tm_mon, &t.tm_mday,
                  &t.tm_hour, &t.tm_min, &t.tm_sec, &micros) != 7) {
    return -1;
  }
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return static_cast<int64_t>(::timegm(&t)) * 1'000'000 + micros;
}

inline bool reply_ok(const rapidjson::Document& d) {
  return d.IsObject() && d.HasMember("ok") && d["ok"].IsBool() && d["ok"].GetBool();
}
// The error code of a refusal; empty for anything else.
inline std::string reply_code(const rapidjson::Document& d) {
  if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject()) return "";
  const auto& e = d["error"];
  return e.HasMember("code") && e["code"].IsString() ? e["code"].GetString() : "";
}

inline std::unique_ptr<nats_adapter::Client> connect_client(const std::string& urls,
                                                            const std::string& name) {
  nats_adapter::ConnectOptions o;
  o.url = urls;
  o.name = name;
  o.reconnect_wait_ms = 100;
  auto c = nats_adapter::Client::connect(o);
  REQUIRE(c.has_value());
  return std::move(*c);
}

// `name` (e.g. "cart.checkout") on its keyed subject, resent with the same body (so the
// same command id) until it is answered with anything but UNAVAILABLE; a null document
// when `until` passes first.
inline rapidjson::Document send_until_answered(nats_adapter::Client& c, const std::string& name,
                                               const std::string& key, const std::string& body,
                                               std::chrono::steady_clock::time_point until) {
  using namespace std::chrono_literals;
  rapidjson::Document d;
  while (std::chrono::steady_clock::now() < until) {
    auto r = c.request("stockroom.cmd." + name + "." + key, body, {}, 1000ms);
    if (!r) {
      // No reply: a dead owner, an election, or no owner yet — NATS answers "no
      // responders" at once then, so a pause before the resend, as a real client's
      // backoff: without it 16 load threads spin on the server while the engines take over.
      std::this_thread::sleep_for(50ms);
      continue;
    }
    d.Parse(r->data.c_str());
    if (d.HasParseError() || reply_code(d) == "UNAVAILABLE") {
      std::this_thread::sleep_for(50ms);
      continue;
    }
    return d;
  }
  d.SetNull();
  return d;
}

}  // namespace stockroom::testing
