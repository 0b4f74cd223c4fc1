#include "adapters/nats/checkout_saga.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <map>

#include "engine/domain/decision.h"
#include "engine/model/routing.h"
#include "events/event_log.h"
#include "events/sha256.h"
#include "schemas/api_generated.h"

namespace stockroom::nats_adapter {
namespace {

std::vector<CartLine> lines_in(const CheckoutPlan& plan, uint32_t partition) {
  std::vector<CartLine> out;
  for (const CartLine& line : plan.lines) {
    if (partition_of(line.sku.str(), plan.partition_count) == partition) out.push_back(line);
  }
  return out;
}

std::vector<Sku> skus_in(const CheckoutPlan& plan, uint32_t partition) {
  std::vector<Sku> out;
  for (const CartLine& line : lines_in(plan, partition)) out.push_back(line.sku);
  return out;
}

std::string step_name(std::string_view step, uint32_t partition) {
  return std::string(step) + "-p" + std::to_string(partition);
}

CommandEnvelope envelope(const CheckoutPlan& plan, std::string_view step, Command command) {
  return CommandEnvelope{saga_command_id(plan.cart_id, plan.attempt, step), plan.actor,
                         std::nullopt, std::move(command)};
}

Error read_error(const fb::ErrorInfo* info) {
  Error error{ErrorCode::kUnavailable, "a refusal without its error", {}, {}};
  if (info == nullptr) return error;
  const std::string code = info->code() == nullptr ? "" : info->code()->str();
  // A code this build does not know (a newer partition's) is definite all the same.
  error.code = error_code_from_name(code).value_or(ErrorCode::kInvalidState);
  error.message = info->message() == nullptr ? code : info->message()->str();
  if (info->details() != nullptr) {
    for (const fb::Detail* d : *info->details()) {
      if (d == nullptr || d->name() == nullptr) continue;
      if (d->int_value()) {
        error.details.push_back(ErrorDetail{d->name()->str(), *d->int_value()});
      } else {
        error.details.push_back(ErrorDetail{
            d->name()->str(), d->string_value() == nullptr ? "" : d->string_value()->str()});
      }
    }
  }
  if (info->shortages() != nullptr) {
    for (const fb::Shortage* s : *info->shortages()) {
      if (s == nullptr || s->sku() == nullptr) continue;
      error.shortages.push_back(Shortage{s->sku()->str(), s->requested(), s->available()});
    }
  }
  return error;
}

}  // namespace

CheckoutPlan plan_checkout(const CartId& cart_id, const CartState& cart, uint32_t cart_partition,
                           uint32_t partition_count) {
  CheckoutPlan plan{cart_id,
                    cart.order_id,
                    cart.customer_id,
                    cart.currency,
                    cart.checkout_attempt,
                    cart.checkout_expires_at,
                    cart.lines,
                    {},
                    partition_count,
                    Actor{ActorId("stockroom-p" + std::to_string(cart_partition)), Role::kService}};
  for (const CartLine& line : cart.lines) {
    plan.partitions.push_back(partition_of(line.sku.str(), partition_count));
  }
  std::sort(plan.partitions.begin(), plan.partitions.end());
  plan.partitions.erase(std::unique(plan.partitions.begin(), plan.partitions.end()),
                        plan.partitions.end());
  return plan;
}

CommandId saga_command_id(const CartId& cart_id, uint64_t attempt, std::string_view step) {
  const std::string seed = cart_id.str() + "~" + std::to_string(attempt);
  const events::Hash hash =
      events::sha256(std::span(reinterpret_cast<const uint8_t*>(seed.data()), seed.size()));
  return CommandId("s" + events::to_hex(hash).substr(0, 40) + "-" + std::string(step));
}

CommandEnvelope hold_step(const CheckoutPlan& plan, uint32_t partition) {
  PlaceHold hold{plan.order_id, plan.attempt, plan.currency, {}, plan.expires_at};
  for (const CartLine& line : lines_in(plan, partition)) {
    hold.lines.push_back(HoldLine{line.sku, line.quantity});
  }
  return envelope(plan, step_name("hold", partition), std::move(hold));
}

CommandEnvelope confirm_step(const CheckoutPlan& plan, uint32_t partition) {
  return envelope(plan, step_name("confirm", partition),
                  ConfirmHold{plan.order_id, plan.attempt, skus_in(plan, partition)});
}

CommandEnvelope release_step(const CheckoutPlan& plan, uint32_t partition, std::string reason) {
  return envelope(plan, step_name("release", partition),
                  ReleaseHold{plan.order_id, plan.attempt, skus_in(plan, partition),
                              std::move(reason), plan.expires_at});
}

CommandEnvelope place_step(const CheckoutPlan& plan, const std::vector<Money>& prices) {
  PlaceOrder place{plan.order_id, plan.cart_id, plan.customer_id, {}, plan.expires_at};
  for (size_t i = 0; i < plan.lines.size() && i < prices.size(); ++i) {
    place.lines.push_back(OrderLine{plan.lines[i].sku, plan.lines[i].quantity, prices[i]});
  }
  return envelope(plan, "place", std::move(place));
}

CommandEnvelope cancel_step(const CheckoutPlan& plan, std::string reason) {
  return envelope(plan, "cancel", CancelOrder{plan.order_id, std::move(reason)});
}

std::string step_subject(std::string_view prefix, const CommandEnvelope& step) {
  return std::string(prefix) + ".cmd." + std::string(command_name(step.command)) + "." +
         std::string(routing_key(step.command));
}

Result<Result<StepReply>> read_step_reply(std::string_view reply) {
  const auto* data = reinterpret_cast<const uint8_t*>(reply.data());
  flatbuffers::Verifier verifier(data, reply.size());
  if (!verifier.VerifyBuffer<fb::CommandReply>(nullptr)) {
    return std::unexpected(
        Error{ErrorCode::kMalformed, "a step's reply is not a FlatBuffers CommandReply", {}, {}});
  }
  const fb::CommandReply* r = flatbuffers::GetRoot<fb::CommandReply>(data);
  if (!r->ok()) return Result<StepReply>(std::unexpected(read_error(r->error())));
  return Result<StepReply>(StepReply{r->duplicate(), Position{r->position()}});
}

Error merge_hold_refusals(const CheckoutPlan& plan,
                          const std::vector<std::pair<uint32_t, Error>>& refusals) {
  std::map<uint32_t, const Error*> by_partition;
  for (const auto& [partition, error] : refusals) by_partition[partition] = &error;
  // In line order: the first line whose partition refused other than OUT_OF_STOCK.
  for (const CartLine& line : plan.lines) {
    const auto it = by_partition.find(partition_of(line.sku.str(), plan.partition_count));
    if (it != by_partition.end() && it->second->code != ErrorCode::kOutOfStock) return *it->second;
  }
  std::vector<Shortage> shortages;
  for (const CartLine& line : plan.lines) {
    const auto it = by_partition.find(partition_of(line.sku.str(), plan.partition_count));
    if (it == by_partition.end()) continue;
    for (const Shortage& s : it->second->shortages) {
      if (s.sku == line.sku.str()) shortages.push_back(s);
    }
  }
  if (shortages.empty()) return refusals.front().second;
  return refuse_out_of_stock(std::move(shortages)).error();
}

}  // namespace stockroom::nats_adapter
