#include "events/internal/codec_values.h"

#include <string>

namespace stockroom::events::codec {
namespace {

fb::Role to_fb(Role role) {
  switch (role) {
    case Role::kCustomer:
      return fb::Role::customer;
    case Role::kStaff:
      return fb::Role::staff;
    case Role::kService:
      return fb::Role::service;
  }
  return fb::Role::customer;  // unreachable for a valid Role
}

std::optional<Role> from_fb(fb::Role role) {
  switch (role) {
    case fb::Role::customer:
      return Role::kCustomer;
    case fb::Role::staff:
      return Role::kStaff;
    case fb::Role::service:
      return Role::kService;
  }
  return std::nullopt;  // a number no schema version defines
}

}  // namespace

StringRef put_text(Builder& b, std::string_view text) {
  if (text.empty()) return 0;
  return b.CreateString(text.data(), text.size());
}

StringRef put_currency(Builder& b, const Currency& currency) {
  const std::string_view code = currency.str();
  return b.CreateString(code.data(), code.size());
}

flatbuffers::Offset<fb::Money> put_money(Builder& b, const Money& money) {
  const StringRef currency = put_currency(b, money.currency);
  return fb::CreateMoney(b, money.amount, currency);
}

flatbuffers::Offset<fb::Money> put_money(Builder& b, const std::optional<Money>& money) {
  if (!money) return 0;
  return put_money(b, *money);
}

flatbuffers::Offset<fb::Actor> put_actor(Builder& b, const Actor& actor) {
  const StringRef id = put_id(b, actor.id);
  return fb::CreateActor(b, id, to_fb(actor.role));
}

flatbuffers::Offset<TableVector<fb::ReturnLine>> put_return_lines(
    Builder& b, const std::vector<ReturnLine>& lines) {
  std::vector<flatbuffers::Offset<fb::ReturnLine>> offsets;
  offsets.reserve(lines.size());
  for (const ReturnLine& line : lines) {
    const StringRef sku = put_id(b, line.sku);
    offsets.push_back(fb::CreateReturnLine(b, sku, line.quantity.value));
  }
  return b.CreateVector(offsets);
}

std::string FieldReader::text(const flatbuffers::String* s) {
  if (s == nullptr) return {};
  return {s->c_str(), s->size()};
}

std::string FieldReader::required_text(const flatbuffers::String* s, std::string_view field) {
  if (s == nullptr) missing(field);
  return text(s);
}

Currency FieldReader::currency(const flatbuffers::String* s, std::string_view field) {
  if (s == nullptr) {
    missing(field);
    return {};
  }
  return Currency(std::string_view(s->c_str(), s->size()));
}

Money FieldReader::money(const fb::Money* m, std::string_view field) {
  if (m == nullptr) {
    missing(field);
    return {};
  }
  return Money{m->amount(), currency(m->currency(), std::string(field) + ".currency")};
}

std::optional<Money> FieldReader::optional_money(const fb::Money* m, std::string_view field) {
  if (m == nullptr) return std::nullopt;
  return money(m, field);
}

Actor FieldReader::actor(const fb::Actor* a, std::string_view field) {
  if (a == nullptr) {
    missing(field);
    return {};
  }
  Actor actor{id<ActorId>(a->id(), std::string(field) + ".id"), Role::kCustomer};
  if (const std::optional<Role> role = from_fb(a->role())) {
    actor.role = *role;
  } else {
    invalid(table_ + "." + std::string(field) + ".role " +
            std::to_string(static_cast<int>(a->role())) + " is not a known role");
  }
  return actor;
}

std::vector<ReturnLine> FieldReader::return_lines(const TableVector<fb::ReturnLine>* v,
                                                  std::string_view field) {
  std::vector<ReturnLine> lines;
  if (v == nullptr) return lines;
  lines.reserve(v->size());
  for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
    const fb::ReturnLine* line = v->Get(i);
    const std::string path = std::string(field) + "[" + std::to_string(i) + "]";
    lines.push_back(ReturnLine{id<Sku>(line->sku(), path + ".sku"), Quantity{line->quantity()}});
  }
  return lines;
}

void FieldReader::invalid(std::string message) {
  if (!error_) error_ = std::move(message);
}

void FieldReader::missing(std::string_view field) {
  invalid(table_ + "." + std::string(field) + " is missing");
}

}  // namespace stockroom::events::codec
