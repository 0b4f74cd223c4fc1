// JSON command requests: the envelope (command_id, actor, expected_version) and the
// command's own fields, flat in one object (nats-api.md, "Commands"). The command
// kind comes from the engine's name table (command_for_name); one read() per command
// struct fills it, so a new command without a read() does not compile.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <variant>

#include "adapters/wire/internal_json.h"
#include "adapters/wire/internal_json_reader.h"
#include "projections/internal/time_format.h"

namespace stockroom::wire::internal {
namespace {

void read(RequestReader& r, DefineProduct& c) {
  c.sku = r.id<Sku>("sku");
  c.name = r.string("name");
  c.price = r.money("price");
}

void read(RequestReader& r, RepriceProduct& c) {
  c.sku = r.id<Sku>("sku");
  c.price = r.money("price");
}

void read(RequestReader& r, RetireProduct& c) { c.sku = r.id<Sku>("sku"); }

void read(RequestReader& r, ReceiveStock& c) {
  c.sku = r.id<Sku>("sku");
  c.quantity = Quantity{r.int64("quantity")};
  c.reference = r.optional_string("reference");
}

void read(RequestReader& r, AdjustStock& c) {
  c.sku = r.id<Sku>("sku");
  c.delta = Quantity{r.int64("delta")};
  c.reason = r.string("reason");
}

void read(RequestReader& r, OpenCart& c) {
  c.cart_id = r.id<CartId>("cart_id");
  c.customer_id = r.id<CustomerId>("customer_id");
  c.currency = Currency(r.string("currency"));
}

void read(RequestReader& r, AddCartItem& c) {
  c.cart_id = r.id<CartId>("cart_id");
  c.sku = r.id<Sku>("sku");
  c.quantity = Quantity{r.int64("quantity")};
}

void read(RequestReader& r, RemoveCartItem& c) {
  c.cart_id = r.id<CartId>("cart_id");
  c.sku = r.id<Sku>("sku");
  if (const auto q = r.optional_int64("quantity")) c.quantity = Quantity{*q};
}

void read(RequestReader& r, AbandonCart& c) { c.cart_id = r.id<CartId>("cart_id"); }

void read(RequestReader& r, CheckOutCart& c) {
  c.cart_id = r.id<CartId>("cart_id");
  c.order_id = r.id<OrderId>("order_id");
}

void read(RequestReader& r, CancelOrder& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.reason = r.string("reason");
}

void read(RequestReader& r, ShipOrder& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.carrier = r.optional_string("carrier");
  c.tracking = r.optional_string("tracking");
}

void read(RequestReader& r, DeliverOrder& c) { c.order_id = r.id<OrderId>("order_id"); }

// The array "lines" of objects, each read by `read_line` from its own reader (so an
// error names its path, e.g. lines[2].sku); absent or wrong: r failed, no lines.
template <class Line, class ReadLine>
std::vector<Line> read_lines(RequestReader& r, ReadLine read_line) {
  std::vector<Line> out;
  if (const rapidjson::Value* lines = r.array("lines")) {
    for (rapidjson::SizeType i = 0; i < lines->Size() && r.ok(); ++i) {
      RequestReader line((*lines)[i], r.path("lines[" + std::to_string(i) + "]."), "object");
      Line value = read_line(line);
      if (!line.ok()) r.fail(line.error());
      out.push_back(std::move(value));
    }
  }
  return out;
}

ReturnLine read_return_line(RequestReader& line) {
  return ReturnLine{line.id<Sku>("sku"), Quantity{line.int64("quantity")}};
}

void read(RequestReader& r, ReturnOrderItems& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.lines = read_lines<ReturnLine>(r, read_return_line);
  c.restock = r.boolean("restock");
}

void read(RequestReader& r, AuthorizePayment& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.payment_id = r.id<PaymentId>("payment_id");
  c.amount = r.money("amount");
  c.provider_ref = r.optional_string("provider_ref");
}

void read(RequestReader& r, CapturePayment& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.payment_id = r.id<PaymentId>("payment_id");
  c.amount = r.optional_money("amount");
}

void read(RequestReader& r, VoidPayment& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.payment_id = r.id<PaymentId>("payment_id");
}

void read(RequestReader& r, FailPayment& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.payment_id = r.id<PaymentId>("payment_id");
  c.reason = r.string("reason");
}

void read(RequestReader& r, RefundPayment& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.payment_id = r.id<PaymentId>("payment_id");
  c.amount = r.money("amount");
  c.reason = r.string("reason");
}

int32_t read_stars(RequestReader& r) {
  const int64_t stars = r.int64("stars");
  // An integer beyond int32 is of the right type but out of bound: the same answer
  // validate() gives for 6 stars.
  if (r.ok() && (stars < std::numeric_limits<int32_t>::min() ||
                 stars > std::numeric_limits<int32_t>::max())) {
    r.fail(ErrorCode::kInvalidArgument, "stars", "must be 1-5, got " + std::to_string(stars));
  }
  return static_cast<int32_t>(stars);
}

void read(RequestReader& r, SubmitRating& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.sku = r.id<Sku>("sku");
  c.stars = read_stars(r);
  c.comment = r.optional_string("comment");
}

void read(RequestReader& r, RecordRating& c) {
  c.sku = r.id<Sku>("sku");
  c.customer_id = r.id<CustomerId>("customer_id");
  c.order_id = r.id<OrderId>("order_id");
  c.stars = read_stars(r);
  c.comment = r.optional_string("comment");
}

void read(RequestReader& r, RejectRating& c) {
  c.sku = r.id<Sku>("sku");
  c.customer_id = r.id<CustomerId>("customer_id");
  c.reason = r.string("reason");
}

// A hold's attempt: a positive integer (validate() names 0).
uint64_t read_attempt(RequestReader& r) {
  const int64_t attempt = r.int64("attempt");
  if (r.ok() && attempt < 0) {
    r.fail(ErrorCode::kInvalidArgument, "attempt", "must be 1 or more");
  }
  return static_cast<uint64_t>(attempt);
}

// RFC 3339 UTC with microseconds, as every time the API shows.
Timestamp read_time(RequestReader& r, const char* name) {
  const std::string text = r.string(name);
  if (!r.ok()) return {};
  const std::optional<Timestamp> t = projections::internal::parse_time(text);
  if (!t) {
    r.fail(ErrorCode::kInvalidArgument, name,
           "must be an RFC 3339 UTC time like 2026-01-31T12:00:00.000000Z, got \"" + text + "\"");
    return {};
  }
  return *t;
}

std::vector<Sku> read_skus(RequestReader& r) {
  std::vector<Sku> skus;
  if (const rapidjson::Value* list = r.array("skus")) {
    for (rapidjson::SizeType i = 0; i < list->Size() && r.ok(); ++i) {
      const rapidjson::Value& v = (*list)[i];
      if (!v.IsString()) {
        r.fail(ErrorCode::kMalformed, "skus[" + std::to_string(i) + "]",
               "must be a string, got " + std::string(json_kind(v)));
        break;
      }
      skus.emplace_back(std::string_view(v.GetString(), v.GetStringLength()));
    }
  }
  return skus;
}

void read(RequestReader& r, PlaceHold& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.attempt = read_attempt(r);
  c.currency = Currency(r.string("currency"));
  c.lines = read_lines<HoldLine>(r, [](RequestReader& line) {
    return HoldLine{line.id<Sku>("sku"), Quantity{line.int64("quantity")}};
  });
  c.expires_at = read_time(r, "expires_at");
}

void read(RequestReader& r, ReleaseHold& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.attempt = read_attempt(r);
  c.skus = read_skus(r);
  c.reason = r.string("reason");
  c.expires_at = read_time(r, "expires_at");
}

void read(RequestReader& r, ConfirmHold& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.attempt = read_attempt(r);
  c.skus = read_skus(r);
}

void read(RequestReader& r, PlaceOrder& c) {
  c.order_id = r.id<OrderId>("order_id");
  c.cart_id = r.id<CartId>("cart_id");
  c.customer_id = r.id<CustomerId>("customer_id");
  c.lines = read_lines<OrderLine>(r, [](RequestReader& line) {
    return OrderLine{line.id<Sku>("sku"), Quantity{line.int64("quantity")},
                     line.money("unit_price")};
  });
  c.expires_at = read_time(r, "expires_at");
}

void read(RequestReader& r, SettleStock& c) {
  c.order_id = r.id<OrderId>("order_id");
  const std::string effect = r.string("effect");
  bool known = !r.ok();
  for (const StockEffect e : {StockEffect::kRelease, StockEffect::kShip, StockEffect::kReturn}) {
    if (stock_effect_name(e) == effect) {
      c.effect = e;
      known = true;
    }
  }
  if (!known) {
    r.fail(ErrorCode::kInvalidArgument, "effect",
           "must be release, ship or return, got \"" + effect + "\"");
  }
  c.lines = read_lines<ReturnLine>(r, read_return_line);
}

// The engine's own commands have no subject; command_for_name never returns them.
void read(RequestReader& r, ExpireHold&) {
  r.fail(ErrorCode::kUnknownCommand, "", "stock.expire_hold is not a public command");
}

void read(RequestReader& r, FinishCheckout&) {
  r.fail(ErrorCode::kUnknownCommand, "", "cart.finish_checkout is not a public command");
}

void read(RequestReader& r, ExpireOrder&) {
  r.fail(ErrorCode::kUnknownCommand, "", "order.expire is not a public command");
}

Actor read_actor(RequestReader& r) {
  const rapidjson::Value* v = r.optional_object("actor");
  if (v == nullptr) {
    if (r.ok()) r.fail(ErrorCode::kMalformed, "actor", "required object {id, role}");
    return {};
  }
  RequestReader fields(*v, "actor.", "object");
  Actor actor{fields.id<ActorId>("id"), Role::kCustomer};
  const std::string role = fields.string("role");
  if (fields.ok()) {
    bool known = false;
    for (const Role candidate : {Role::kCustomer, Role::kStaff, Role::kService}) {
      if (role_name(candidate) == role) {
        actor.role = candidate;
        known = true;
      }
    }
    if (!known) {
      fields.fail(ErrorCode::kInvalidArgument, "role",
                  "must be customer, staff or service, got \"" + role + "\"");
    }
  }
  if (!fields.ok()) r.fail(fields.error());
  return actor;
}

}  // namespace

Result<CommandEnvelope> decode_json_command(std::string_view name, std::string_view body) {
  // The name first: an unknown subject says so whatever its body holds.
  std::optional<Command> command = command_for_name(name);
  if (!command) {
    return fail(ErrorCode::kUnknownCommand, "no command named \"" + std::string(name) + "\"",
                {{"command", std::string(name)}});
  }
  Result<rapidjson::Document> document = parse_body(body);
  if (!document) return std::unexpected(std::move(document.error()));

  RequestReader r(*document, "", "a JSON object as the request body");
  CommandEnvelope envelope;
  envelope.command_id = r.id<CommandId>("command_id");
  envelope.actor = read_actor(r);
  if (const auto version = r.optional_uint64("expected_version")) {
    envelope.expected_version = StreamVersion{*version};
  }
  std::visit([&r](auto& c) { read(r, c); }, *command);
  if (!r.ok()) return std::unexpected(r.error());
  envelope.command = std::move(*command);
  return envelope;
}

std::string json_command_id_of(std::string_view body) {
  const Result<rapidjson::Document> document = parse_body(body);
  if (!document || !document->IsObject()) return {};
  const auto it = document->FindMember("command_id");
  if (it == document->MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace stockroom::wire::internal
