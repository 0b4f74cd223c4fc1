#include "engine/domain/policy.h"

#include <string>
#include <variant>

#include "engine/domain/decision.h"

namespace stockroom {
namespace {

// Who may send a kind of command, before ownership is known.
enum class Access : uint8_t {
  kCustomerOrAbove,  // a customer (subject to ownership), staff or service
  kStaffOrService,
  kStaffOnly,
  kEngineOnly,
};

template <class C>
constexpr Access access_of(const C&) {
  return Access::kStaffOrService;
}
constexpr Access access_of(const OpenCart&) { return Access::kCustomerOrAbove; }
constexpr Access access_of(const AddCartItem&) { return Access::kCustomerOrAbove; }
constexpr Access access_of(const RemoveCartItem&) { return Access::kCustomerOrAbove; }
constexpr Access access_of(const AbandonCart&) { return Access::kCustomerOrAbove; }
constexpr Access access_of(const CheckOutCart&) { return Access::kCustomerOrAbove; }
constexpr Access access_of(const CancelOrder&) { return Access::kCustomerOrAbove; }
constexpr Access access_of(const SubmitRating&) { return Access::kCustomerOrAbove; }
constexpr Access access_of(const RejectRating&) { return Access::kStaffOnly; }
constexpr Access access_of(const ExpireOrder&) { return Access::kEngineOnly; }
constexpr Access access_of(const ExpireHold&) { return Access::kEngineOnly; }
constexpr Access access_of(const FinishCheckout&) { return Access::kEngineOnly; }

bool role_allows(Access access, const Actor& actor) {
  switch (access) {
    case Access::kCustomerOrAbove:
      return true;
    case Access::kStaffOrService:
      return actor.role != Role::kCustomer;
    case Access::kStaffOnly:
      return actor.role == Role::kStaff;
    case Access::kEngineOnly:
      return actor == engine_actor();
  }
  return false;
}

std::string role_refusal(Access access, std::string_view command) {
  std::string name(command);
  switch (access) {
    case Access::kStaffOnly:
      return name + " needs the staff role";
    case Access::kEngineOnly:
      return name + " is issued by the engine only";
    default:
      return name + " needs the staff or service role";
  }
}

}  // namespace

Status check_role(const CommandEnvelope& envelope) {
  const Actor& actor = envelope.actor;
  Access access = std::visit([](const auto& c) { return access_of(c); }, envelope.command);
  if (!role_allows(access, actor)) {
    return refuse_forbidden(role_refusal(access, command_name(envelope.command)), actor);
  }
  const auto* open = std::get_if<OpenCart>(&envelope.command);
  if (open != nullptr && actor.role == Role::kCustomer &&
      open->customer_id.str() != actor.id.str()) {
    return refuse_forbidden(
        "a customer may open a cart only for itself, not for customer " + open->customer_id.str(),
        actor);
  }
  return {};
}

Status check_cart_owner(const Actor& actor, const CartState& cart) {
  if (actor.role != Role::kCustomer || cart.customer_id.str() == actor.id.str()) return {};
  return refuse_forbidden("this cart belongs to another customer", actor);
}

Status check_cancel_allowed(const Actor& actor, const OrderState& order) {
  if (actor.role != Role::kCustomer) return {};
  if (order.customer_id.str() != actor.id.str()) {
    return refuse_forbidden("this order belongs to another customer", actor);
  }
  // Only a paid order is the customer's to leave to staff; shipped, delivered,
  // cancelled or expired orders are refused for everyone by the lifecycle check.
  if (order.status == OrderStatus::kPaid) {
    return refuse_forbidden("a paid order can be cancelled only by staff", actor);
  }
  return {};
}

Status check_order_customer(const Actor& actor, const OrderState& order) {
  if (order.customer_id.str() == actor.id.str()) return {};
  return refuse_forbidden("only the customer who placed the order may rate it", actor);
}

}  // namespace stockroom
