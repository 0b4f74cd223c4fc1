#include "engine/domain/decide.h"

#include <concepts>
#include <utility>
#include <variant>

#include "engine/domain/cart_decider.h"
#include "engine/domain/checkout_decider.h"
#include "engine/domain/checkout_saga_decider.h"
#include "engine/domain/decision.h"
#include "engine/domain/hold_decider.h"
#include "engine/domain/order_decider.h"
#include "engine/domain/payment_decider.h"
#include "engine/domain/policy.h"
#include "engine/domain/product_decider.h"
#include "engine/domain/review_decider.h"
#include "engine/domain/settle_decider.h"
#include "engine/domain/validate.h"
#include "engine/model/routing.h"

namespace stockroom {
namespace {

// The aggregate a command targets, by its identifying fields.
using ReviewKey = std::pair<Sku, CustomerId>;
using StreamKey = std::variant<Sku, CartId, OrderId, ReviewKey>;

template <class C>
concept CartCommand = requires(const C& c) {
  c.cart_id;
};
template <class C>
concept OrderCommand = !CartCommand<C> && requires(const C& c) {
  c.order_id;
};
template <class C>
concept ProductCommand = !CartCommand<C> && !OrderCommand<C> && requires(const C& c) {
  c.sku;
};

StreamKey key_of(const CartCommand auto& c, const Actor&) { return c.cart_id; }
StreamKey key_of(const OrderCommand auto& c, const Actor&) { return c.order_id; }
StreamKey key_of(const ProductCommand auto& c, const Actor&) { return c.sku; }
StreamKey key_of(const SubmitRating& c, const Actor& actor) {
  return ReviewKey{c.sku, CustomerId(actor.id.str())};
}
StreamKey key_of(const RejectRating& c, const Actor&) { return ReviewKey{c.sku, c.customer_id}; }
// A hold's expected_version is its first product's (validate.h: one line at least).
StreamKey key_of(const PlaceHold& c, const Actor&) {
  return c.lines.empty() ? Sku() : c.lines.front().sku;
}
StreamKey key_of(const ReleaseHold& c, const Actor&) {
  return c.skus.empty() ? Sku() : c.skus.front();
}
StreamKey key_of(const ExpireHold& c, const Actor&) { return c.sku; }
StreamKey key_of(const RecordRating& c, const Actor&) { return ReviewKey{c.sku, c.customer_id}; }
// It names a cart too, but it is the order's.
StreamKey key_of(const PlaceOrder& c, const Actor&) { return c.order_id; }
// It names an order too, but its streams are its products'.
StreamKey key_of(const SettleStock& c, const Actor&) {
  return c.lines.empty() ? Sku() : c.lines.front().sku;
}
StreamKey key_of(const ConfirmHold& c, const Actor&) {
  return c.skus.empty() ? Sku() : c.skus.front();
}

StreamKey target_key(const CommandEnvelope& envelope) {
  return std::visit([&](const auto& c) { return key_of(c, envelope.actor); }, envelope.command);
}

struct StreamName {
  std::string operator()(const Sku& k) const { return product_stream(k); }
  std::string operator()(const CartId& k) const { return cart_stream(k); }
  std::string operator()(const OrderId& k) const { return order_stream(k); }
  std::string operator()(const ReviewKey& k) const { return review_stream(k.first, k.second); }
};

struct StreamVersionOf {
  StateReader& states;
  StreamVersion operator()(const Sku& k) const { return states.product(k).version; }
  StreamVersion operator()(const CartId& k) const { return states.cart(k).version; }
  StreamVersion operator()(const OrderId& k) const { return states.order(k).version; }
  StreamVersion operator()(const ReviewKey& k) const {
    return states.review(k.first, k.second).version;
  }
};

Status check_expected_version(const CommandEnvelope& envelope, StateReader& states) {
  if (!envelope.expected_version) return {};
  StreamKey key = target_key(envelope);
  StreamVersion actual = std::visit(StreamVersionOf{states}, key);
  StreamVersion expected = *envelope.expected_version;
  if (actual == expected) return {};
  std::string stream = std::visit(StreamName{}, key);
  return fail(ErrorCode::kConflict,
              stream + " is at version " + std::to_string(actual.value) + ", not the expected " +
                  std::to_string(expected.value) + "; reload and retry",
              {{"stream", stream},
               {"expected", static_cast<int64_t>(expected.value)},
               {"actual", static_cast<int64_t>(actual.value)}});
}

// Reads the states a command needs and hands them to its decider.
struct Dispatch {
  const Actor& actor;
  StateReader& states;
  const DecideContext& context;

  Decision operator()(const ProductCommand auto& c) const {
    return decide(c, states.product(c.sku));
  }
  Decision operator()(const OpenCart& c) const { return decide(c, states.cart(c.cart_id)); }
  Decision operator()(const AddCartItem& c) const {
    if (context.partition &&
        partition_of(c.sku.str(), context.partition->count) != context.partition->index) {
      // A product of another partition, as the service quoted it (checked active there).
      ProductState quoted;
      if (c.quoted_price) {
        quoted.version = StreamVersion{1};
        quoted.defined = true;
        quoted.price = *c.quoted_price;
      }
      return decide(c, actor, states.cart(c.cart_id), quoted, context.max_cart_lines);
    }
    return decide(c, actor, states.cart(c.cart_id), states.product(c.sku), context.max_cart_lines);
  }
  Decision operator()(const RemoveCartItem& c) const {
    return decide(c, actor, states.cart(c.cart_id));
  }
  Decision operator()(const AbandonCart& c) const {
    return decide(c, actor, states.cart(c.cart_id));
  }
  Decision operator()(const CheckOutCart& c) const {
    if (context.partition &&
        checkout_spans_partitions(states.cart(c.cart_id), c.order_id, *context.partition)) {
      return decide_checkout_start(c, actor, states, context);
    }
    return decide(c, actor, states, context);
  }
  Decision operator()(const FinishCheckout& c) const { return decide(c, states.cart(c.cart_id)); }
  Decision operator()(const CancelOrder& c) const {
    return decide(c, actor, states.order(c.order_id));
  }
  Decision operator()(const ReturnOrderItems& c) const {
    return decide(c, states.order(c.order_id), states);
  }
  Decision operator()(const ExpireOrder& c) const {
    return decide(c, states.order(c.order_id), context);
  }
  Decision operator()(const PlaceOrder& c) const {
    return decide(c, states.order(c.order_id), context);
  }
  Decision operator()(const SettleStock& c) const { return decide(c, states); }
  Decision operator()(const SubmitRating& c) const {
    return decide(c, actor, states.order(c.order_id),
                  states.review(c.sku, CustomerId(actor.id.str())));
  }
  Decision operator()(const RecordRating& c) const {
    return decide(c, states.product(c.sku), states.review(c.sku, c.customer_id));
  }
  Decision operator()(const RejectRating& c) const {
    return decide(c, states.review(c.sku, c.customer_id));
  }
  Decision operator()(const PlaceHold& c) const { return decide(c, states, context); }
  Decision operator()(const ReleaseHold& c) const { return decide(c, states); }
  Decision operator()(const ConfirmHold& c) const { return decide(c, states, context); }
  Decision operator()(const ExpireHold& c) const {
    return decide(c, states.product(c.sku), context);
  }
  // ship, deliver and every payment command read only their order.
  Decision operator()(const OrderCommand auto& c) const {
    return decide(c, states.order(c.order_id));
  }
};

}  // namespace

std::string target_stream(const CommandEnvelope& envelope) {
  return std::visit(StreamName{}, target_key(envelope));
}

Status check_stateless(const CommandEnvelope& envelope) {
  if (auto s = validate(envelope); !s) return s;
  return check_role(envelope);
}

Decision decide_checked(const CommandEnvelope& envelope, StateReader& states,
                        const DecideContext& context) {
  if (auto s = check_expected_version(envelope, states); !s) return std::unexpected(s.error());
  return std::visit(Dispatch{envelope.actor, states, context}, envelope.command);
}

Decision decide(const CommandEnvelope& envelope, StateReader& states,
                const DecideContext& context) {
  if (auto s = check_stateless(envelope); !s) return std::unexpected(s.error());
  return decide_checked(envelope, states, context);
}

}  // namespace stockroom
