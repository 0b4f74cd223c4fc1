// The idempotency record's result (engine/internal/result_codec.h): format 2 stores
// only the span of positions and reads the events back from the log; format 1, which
// repeated them, is still read.
#include "engine/internal/result_codec.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "engine/engine.h"
#include "engine/support/commands.h"
#include "support/temp_dir.h"

namespace stockroom::testing {
namespace {

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_short(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(s.size()));
  out.append(s);
}

std::unique_ptr<events::EventLog> empty_log(const TempDir& dir) {
  auto log = events::EventLog::open(dir.str(), events::LogOptions{});
  REQUIRE(log.has_value());
  return std::move(*log);
}

}  // namespace

TEST_CASE("a resent checkout gets its events back from the log, also after a reopen",
          "[engine][idempotency]") {
  TempDir dir;
  engine::EngineOptions o;
  o.data_dir = dir.str();
  const Actor ann = customer("ann");
  const CartId cart("c-1");
  const auto checkout = envelope("co-1", ann, CheckOutCart{cart, OrderId("o-1")});
  engine::CommandResult first;
  {
    auto e = engine::Engine::open(o);
    REQUIRE(e.has_value());
    REQUIRE((*e)->execute(envelope("def", staff(), DefineProduct{Sku("A"), "A", eur(100)})));
    REQUIRE((*e)->execute(envelope("rcv", staff(), ReceiveStock{Sku("A"), Quantity{5}, ""})));
    REQUIRE(
        (*e)->execute(envelope("open", ann, OpenCart{cart, CustomerId("ann"), Currency("EUR")})));
    REQUIRE((*e)->execute(envelope("add", ann, AddCartItem{cart, Sku("A"), Quantity{2}})));
    auto done = (*e)->execute(checkout);
    REQUIRE(done.has_value());
    first = *done;
    REQUIRE(first.events.size() >= 2);  // the cart, the order and the stock
    auto again = (*e)->execute(checkout);
    REQUIRE(again.has_value());
    CHECK(again->duplicate);
    CHECK(again->events == first.events);
    CHECK(again->position == first.position);
  }
  auto reopened = engine::Engine::open(o);
  REQUIRE(reopened.has_value());
  auto after = (*reopened)->execute(checkout);
  REQUIRE(after.has_value());
  CHECK(after->duplicate);
  CHECK(after->events == first.events);
  CHECK(after->position == first.position);
}

TEST_CASE("a stored result names its span of positions, and format 1 is still read",
          "[engine][idempotency]") {
  using engine::internal::decode_result_span;
  using engine::internal::encode_result;
  using engine::internal::load_result;
  TempDir dir;
  auto log = empty_log(dir);

  engine::CommandResult result{CommandId("c"), false, Position{12}, {}};
  result.events.push_back(
      engine::EventRef{"StockReceived", "product-A", StreamVersion{3}, Position{11}});
  result.events.push_back(
      engine::EventRef{"StockReceived", "product-B", StreamVersion{1}, Position{12}});
  std::string bytes;
  encode_result(result, bytes);
  CHECK(bytes.size() == 13);  // version, first position, count: nothing the log holds
  auto span = decode_result_span(bytes);
  REQUIRE(span.has_value());
  CHECK(span->first.value == 11);
  CHECK(span->count == 2);
  CHECK(span->holds(Position{12}));
  CHECK_FALSE(span->holds(Position{13}));
  // The log does not hold positions 11 and 12: the record names events that are gone.
  auto missing = load_result(bytes, *log);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);

  std::string v1;
  put<uint8_t>(v1, 1);
  put<uint64_t>(v1, 12);
  put<uint32_t>(v1, 2);
  for (const auto& e : result.events) {
    put_short(v1, e.type);
    put_short(v1, e.stream);
    put<uint64_t>(v1, e.version.value);
    put<uint64_t>(v1, e.position.value);
  }
  auto old = load_result(v1, *log);  // format 1 needs no log
  REQUIRE(old.has_value());
  CHECK(old->events == result.events);
  CHECK(old->position.value == 12);
  auto old_span = decode_result_span(v1);
  REQUIRE(old_span.has_value());
  CHECK(old_span->first.value == 11);
  CHECK(old_span->count == 2);

  for (const std::string& bad : {std::string(), std::string("\x03", 1), bytes.substr(0, 5),
                                 bytes + "x", v1.substr(0, v1.size() - 1)}) {
    auto r = decode_result_span(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kMalformed);
  }
}

}  // namespace stockroom::testing
