// Signed heads over NATS: serve pushes its signed head on <p>.audit.head (at start,
// every interval, and a last one on drain) and answers query.head in JSON and
// FlatBuffers; every head verifies with the public key file written beside the
// signing key and matches the log. A real nats-server, a real RocksDB directory.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/audit/head_json.h"
#include "adapters/audit/heads_check.h"
#include "adapters/audit/key_file.h"
#include "adapters/wire/wire.h"
#include "nats/support/nats_server.h"
#include "nats/support/serve_harness.h"
#include "schemas/api_generated.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

using namespace std::chrono_literals;

audit::KeyFile key_in(const TempDir& dir) {
  Result<audit::KeyFile> file = audit::open_signing_key(dir.sub("head.pem"));
  REQUIRE(file.has_value());
  return *file;
}

// The public key as an auditor has it: read back from the .pub file serve wrote.
audit::PublicKey public_key_of(const audit::KeyFile& file) {
  Result<audit::PublicKey> key = audit::PublicKey::read_pem_file(file.public_path);
  REQUIRE(key.has_value());
  return *key;
}

std::function<void(nats_adapter::ServiceOptions&)> signing(const audit::KeyFile& file,
                                                           std::chrono::milliseconds interval) {
  return [&file, interval](nats_adapter::ServiceOptions& o) {
    o.signing_key = file.key;
    o.head_interval = interval;
  };
}

audit::SignedHead parsed(const std::string& json) {
  Result<audit::SignedHead> head = audit::parse_head_json(json);
  INFO(json);
  REQUIRE(head.has_value());
  return *head;
}

// The log's chain hash at `position` (zeros at 0), read through the engine.
events::Hash log_hash(const engine::Engine& e, Position position) {
  if (position.value == 0) return {};
  auto page = e.events_from(position, 1);
  REQUIRE(page.has_value());
  REQUIRE(page->size() == 1);
  return page->front().hash;
}

void write_some(ServeHarness& h, int receipts) {
  const std::string actor = R"("actor":{"id":"ops","role":"staff"})";
  auto ok = [&](const std::string& name, const std::string& id, const std::string& fields) {
    const std::string reply =
        h.send("cmd." + name, R"({"command_id":")" + id + R"(",)" + actor + "," + fields + "}");
    INFO(reply);
    REQUIRE(reply.find(R"("ok":true)") != std::string::npos);
  };
  ok("product.define", "d", R"("sku":"PEN","name":"Pen","price":{"amount":100,"currency":"EUR"})");
  for (int i = 0; i < receipts; ++i) {
    ok("inventory.receive", "r" + std::to_string(i), R"("sku":"PEN","quantity":1)");
  }
}

TEST_CASE("serve pushes signed heads on audit.head that verify with the written public key",
          "[nats][heads]") {
  NatsServer server;
  TempDir keys;
  const audit::KeyFile file = key_in(keys);
  ServeHarness h(server, "stockroom", "", nullptr, signing(file, 100ms));
  auto pushes = h.client().subscribe("stockroom.audit.head");
  REQUIRE(pushes.has_value());
  REQUIRE(h.client().flush().has_value());
  write_some(h, 3);
  const Position head = h.engine().head().position;
  REQUIRE(head == Position{4});

  const audit::PublicKey key = public_key_of(file);
  std::string collected;
  std::optional<audit::SignedHead> last;
  for (int n = 0; n < 100 && !(last && last->head.position == head); ++n) {
    std::optional<nats_adapter::Message> m = (*pushes)->next(5s);
    REQUIRE(m.has_value());
    const audit::SignedHead pushed = parsed(m->data);
    CHECK(audit::verify_head(key, pushed).has_value());
    CHECK(pushed.key_id == key.key_id());
    CHECK(m->headers["Stockroom-Position"] == std::to_string(pushed.head.position.value));
    CHECK(pushed.head.hash == log_hash(h.engine(), pushed.head.position));
    if (last) CHECK(last->time < pushed.time);
    last = pushed;
    collected += m->data + "\n";
  }
  REQUIRE(last.has_value());
  CHECK(last->head.position == head);

  // The pushes as an auditor keeps them pass the heads-file check against the log.
  events::LogOptions read_only;
  read_only.read_only = true;
  auto log = events::EventLog::open(h.engine().options().data_dir, read_only);
  REQUIRE(log.has_value());
  std::istringstream lines(collected);
  Result<audit::HeadsReport> report = audit::check_heads(**log, key, lines);
  REQUIRE(report.has_value());
  INFO(report->reason);
  CHECK(report->passed());
}

TEST_CASE("query.head answers the latest signed head in JSON and in FlatBuffers", "[nats][heads]") {
  NatsServer server;
  TempDir keys;
  const audit::KeyFile file = key_in(keys);
  // One push at start, the next an hour away: the reply is the start's head.
  ServeHarness h(server, "stockroom", "", nullptr, signing(file, std::chrono::hours(1)));
  const audit::PublicKey key = public_key_of(file);

  const audit::SignedHead json = parsed(h.send("query.head", "{}"));
  CHECK(audit::verify_head(key, json).has_value());
  CHECK(json.partition == 0);
  CHECK(json.head.position == Position{0});
  CHECK(json.head.hash == events::Hash{});
  CHECK(parsed(h.send("query.head", "")) == json);  // the latest, not a new one

  Result<nats_adapter::Message> reply =
      h.client().request("stockroom.query.head", "", wire::kFlatBuffersContentType);
  REQUIRE(reply.has_value());
  CHECK(reply->headers["Content-Type"] == wire::kFlatBuffersContentType);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(reply->data.data()),
                                 reply->data.size());
  REQUIRE(fb::VerifyQueryReplyBuffer(verifier));
  const fb::QueryReply* r = fb::GetQueryReply(reply->data.data());
  REQUIRE(r->ok());
  const fb::HeadReply* fb_head = r->body_as_HeadReply();
  REQUIRE(fb_head != nullptr);
  REQUIRE(fb_head->hash() != nullptr);
  REQUIRE(fb_head->key_id() != nullptr);
  REQUIRE(fb_head->signature() != nullptr);
  REQUIRE(fb_head->signature()->size() == 64);
  // The same head, field for field, read back into the JSON form and verified.
  audit::SignedHead from_fb{fb_head->partition(),
                            {Position{fb_head->position()}, {}},
                            Timestamp{fb_head->time_us()},
                            {},
                            fb_head->key_id()->str()};
  std::copy(fb_head->signature()->begin(), fb_head->signature()->end(), from_fb.signature.begin());
  CHECK(fb_head->hash()->str() == std::string(64, '0'));
  CHECK(from_fb == json);
  CHECK(audit::verify_head(key, from_fb).has_value());
}

TEST_CASE("drain pushes a last signed head: the head the engine closes on", "[nats][heads]") {
  NatsServer server;
  TempDir keys;
  const audit::KeyFile file = key_in(keys);
  nats_adapter::ConnectOptions co;
  co.url = server.url();
  auto auditor = nats_adapter::Client::connect(co);
  REQUIRE(auditor.has_value());
  auto pushes = (*auditor)->subscribe("stockroom.audit.head");
  REQUIRE(pushes.has_value());
  REQUIRE((*auditor)->flush().has_value());
  {
    ServeHarness h(server, "stockroom", "", nullptr, signing(file, std::chrono::hours(1)));
    write_some(h, 2);
  }  // drained and closed here
  std::vector<audit::SignedHead> heads;
  while (std::optional<nats_adapter::Message> m = (*pushes)->next(2s)) {
    heads.push_back(parsed(m->data));
  }
  REQUIRE(heads.size() == 2);  // at start and at drain; the interval never came
  CHECK(heads[0].head.position == Position{0});
  CHECK(heads[1].head.position == Position{3});
  const audit::PublicKey key = public_key_of(file);
  for (const audit::SignedHead& head : heads) CHECK(audit::verify_head(key, head).has_value());
}

TEST_CASE("without a signing key nothing is pushed and query.head is UNAVAILABLE",
          "[nats][heads]") {
  NatsServer server;
  ServeHarness h(server);
  auto pushes = h.client().subscribe("stockroom.audit.head");
  REQUIRE(pushes.has_value());
  const std::string reply = h.send("query.head", "{}");
  CHECK(reply.find(R"("code":"UNAVAILABLE")") != std::string::npos);
  CHECK_FALSE((*pushes)->next(300ms).has_value());
}

}  // namespace
}  // namespace stockroom::testing
