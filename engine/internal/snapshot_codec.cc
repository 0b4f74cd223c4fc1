#include "engine/internal/snapshot_codec.h"

#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "schemas/snapshots_generated.h"

namespace stockroom::engine::internal {
namespace {

using Builder = flatbuffers::FlatBufferBuilder;
using StringRef = flatbuffers::Offset<flatbuffers::String>;
template <class T>
using TableVector = flatbuffers::Vector<flatbuffers::Offset<T>>;

// The stored enums have the numbers of the C++ ones, so a cast maps them; these prove it.
static_assert(static_cast<uint8_t>(CartStatus::kNone) ==
                  static_cast<uint8_t>(fb::CartSnapshotStatus::none) &&
              static_cast<uint8_t>(CartStatus::kOpen) ==
                  static_cast<uint8_t>(fb::CartSnapshotStatus::open) &&
              static_cast<uint8_t>(CartStatus::kCheckedOut) ==
                  static_cast<uint8_t>(fb::CartSnapshotStatus::checked_out) &&
              static_cast<uint8_t>(CartStatus::kAbandoned) ==
                  static_cast<uint8_t>(fb::CartSnapshotStatus::abandoned) &&
              static_cast<uint8_t>(CartStatus::kCheckingOut) ==
                  static_cast<uint8_t>(fb::CartSnapshotStatus::checking_out) &&
              fb::CartSnapshotStatus::MAX == fb::CartSnapshotStatus::checking_out);
static_assert(static_cast<uint8_t>(PaymentStatus::kAuthorized) ==
                  static_cast<uint8_t>(fb::PaymentSnapshotStatus::authorized) &&
              static_cast<uint8_t>(PaymentStatus::kVoided) ==
                  static_cast<uint8_t>(fb::PaymentSnapshotStatus::voided) &&
              static_cast<uint8_t>(PaymentStatus::kFailed) ==
                  static_cast<uint8_t>(fb::PaymentSnapshotStatus::failed) &&
              fb::PaymentSnapshotStatus::MAX == fb::PaymentSnapshotStatus::failed);
static_assert(static_cast<uint8_t>(HoldStatus::kHeld) ==
                  static_cast<uint8_t>(fb::HoldSnapshotStatus::held) &&
              static_cast<uint8_t>(HoldStatus::kConfirmed) ==
                  static_cast<uint8_t>(fb::HoldSnapshotStatus::confirmed) &&
              static_cast<uint8_t>(HoldStatus::kReleased) ==
                  static_cast<uint8_t>(fb::HoldSnapshotStatus::released) &&
              fb::HoldSnapshotStatus::MAX == fb::HoldSnapshotStatus::released);
static_assert(static_cast<uint8_t>(OrderStatus::kNone) ==
                  static_cast<uint8_t>(fb::OrderSnapshotStatus::none) &&
              static_cast<uint8_t>(OrderStatus::kAwaitingPayment) ==
                  static_cast<uint8_t>(fb::OrderSnapshotStatus::awaiting_payment) &&
              static_cast<uint8_t>(OrderStatus::kPaid) ==
                  static_cast<uint8_t>(fb::OrderSnapshotStatus::paid) &&
              static_cast<uint8_t>(OrderStatus::kShipped) ==
                  static_cast<uint8_t>(fb::OrderSnapshotStatus::shipped) &&
              static_cast<uint8_t>(OrderStatus::kDelivered) ==
                  static_cast<uint8_t>(fb::OrderSnapshotStatus::delivered) &&
              static_cast<uint8_t>(OrderStatus::kCancelled) ==
                  static_cast<uint8_t>(fb::OrderSnapshotStatus::cancelled) &&
              static_cast<uint8_t>(OrderStatus::kExpired) ==
                  static_cast<uint8_t>(fb::OrderSnapshotStatus::expired) &&
              fb::OrderSnapshotStatus::MAX == fb::OrderSnapshotStatus::expired);

// --- writing: child objects in field order, one statement each (determinism) ---

// One builder per thread, reused and cleared on every use.
Builder& thread_builder() {
  thread_local Builder builder(512);
  builder.Clear();
  return builder;
}

template <class Tag>
StringRef put_id(Builder& b, const Id<Tag>& id) {
  return b.CreateString(id.str());
}

// Absent when empty.
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

template <class Line>
flatbuffers::Offset<TableVector<fb::SnapshotLine>> put_lines(Builder& b,
                                                             const std::vector<Line>& lines) {
  std::vector<flatbuffers::Offset<fb::SnapshotLine>> offsets;
  offsets.reserve(lines.size());
  for (const Line& line : lines) {
    const StringRef sku = put_id(b, line.sku);
    const auto unit_price = put_money(b, line.unit_price);
    offsets.push_back(fb::CreateSnapshotLine(b, sku, line.quantity.value, unit_price));
  }
  return b.CreateVector(offsets);
}

// Each put_state names every field of its state in a structured binding: a field added
// to a state (engine/domain/state.h) does not compile here until the snapshot carries it (and
// kSnapshotFormat is bumped).

flatbuffers::Offset<TableVector<fb::HoldSnapshot>> put_holds(Builder& b,
                                                             const std::vector<HoldEntry>& holds) {
  std::vector<flatbuffers::Offset<fb::HoldSnapshot>> offsets;
  offsets.reserve(holds.size());
  for (const HoldEntry& h : holds) {
    const auto& [order_id, attempt, status, quantity, expires_at] = h;
    const StringRef id = put_id(b, order_id);
    offsets.push_back(fb::CreateHoldSnapshot(
        b, id, attempt, static_cast<fb::HoldSnapshotStatus>(status), quantity, expires_at.micros));
  }
  return b.CreateVector(offsets);
}

flatbuffers::Offset<void> put_state(Builder& b, const ProductState& s) {
  [[maybe_unused]] const auto& [version, defined, name, price, retired, on_hand, reserved, holds] =
      s;
  const StringRef name_ref = put_text(b, name);
  const auto price_ref = put_money(b, price);
  const auto holds_ref = put_holds(b, holds);
  return fb::CreateProductSnapshot(b, defined, name_ref, price_ref, retired, on_hand, reserved,
                                   holds_ref)
      .Union();
}

flatbuffers::Offset<void> put_state(Builder& b, const CartState& s) {
  [[maybe_unused]] const auto& [version, status, customer_id, currency, lines, order_id, attempt,
                                expires_at] = s;
  const StringRef customer = put_id(b, customer_id);
  const StringRef currency_ref = put_currency(b, currency);
  const auto lines_ref = put_lines(b, lines);
  const StringRef order = put_id(b, order_id);
  return fb::CreateCartSnapshot(b, static_cast<fb::CartSnapshotStatus>(status), customer,
                                currency_ref, lines_ref, order, attempt, expires_at.micros)
      .Union();
}

flatbuffers::Offset<TableVector<fb::PaymentSnapshot>> put_payments(
    Builder& b, const std::vector<PaymentState>& payments) {
  std::vector<flatbuffers::Offset<fb::PaymentSnapshot>> offsets;
  offsets.reserve(payments.size());
  for (const PaymentState& p : payments) {
    const auto& [payment_id, status, authorized, captured, refunded, voided] = p;
    const StringRef id = put_id(b, payment_id);
    offsets.push_back(fb::CreatePaymentSnapshot(b, id,
                                                static_cast<fb::PaymentSnapshotStatus>(status),
                                                authorized, captured, refunded, voided));
  }
  return b.CreateVector(offsets);
}

flatbuffers::Offset<TableVector<fb::ReturnLine>> put_returned(
    Builder& b, const std::vector<ReturnLine>& lines) {
  std::vector<flatbuffers::Offset<fb::ReturnLine>> offsets;
  offsets.reserve(lines.size());
  for (const ReturnLine& line : lines) {
    const StringRef sku = put_id(b, line.sku);
    offsets.push_back(fb::CreateReturnLine(b, sku, line.quantity.value));
  }
  return b.CreateVector(offsets);
}

flatbuffers::Offset<void> put_state(Builder& b, const OrderState& s) {
  [[maybe_unused]] const auto& [version, status, cart_id, customer_id, currency, lines, total,
                                placed_at, expires_at, payments, returned, refund_due,
                                stock_elsewhere] = s;
  const StringRef cart = put_id(b, cart_id);
  const StringRef customer = put_id(b, customer_id);
  const StringRef currency_ref = put_currency(b, currency);
  const auto lines_ref = put_lines(b, lines);
  const auto total_ref = put_money(b, total);
  const auto payments_ref = put_payments(b, payments);
  const auto returned_ref = put_returned(b, returned);
  return fb::CreateOrderSnapshot(b, static_cast<fb::OrderSnapshotStatus>(status), cart, customer,
                                 currency_ref, lines_ref, total_ref, placed_at.micros,
                                 expires_at.micros, payments_ref, returned_ref, refund_due,
                                 stock_elsewhere)
      .Union();
}

flatbuffers::Offset<void> put_state(Builder& b, const ReviewState& s) {
  [[maybe_unused]] const auto& [version, exists, counts, sku, customer_id, order_id, stars,
                                comment] = s;
  const StringRef sku_ref = put_id(b, sku);
  const StringRef customer = put_id(b, customer_id);
  const StringRef order = put_id(b, order_id);
  const StringRef comment_ref = put_text(b, comment);
  return fb::CreateReviewSnapshot(b, exists, counts, sku_ref, customer, order, stars, comment_ref)
      .Union();
}

fb::SnapshotState state_type(const AnyState& state) {
  constexpr fb::SnapshotState kTypes[] = {
      fb::SnapshotState::ProductSnapshot, fb::SnapshotState::CartSnapshot,
      fb::SnapshotState::OrderSnapshot, fb::SnapshotState::ReviewSnapshot};
  static_assert(std::size(kTypes) == std::variant_size_v<AnyState>);
  return kTypes[state.index()];
}

// --- reading a verified buffer ---

// Reads the fields of a verified snapshot and keeps the first problem.
class Fields {
 public:
  template <class IdT>
  IdT id(const flatbuffers::String* s, const char* field) {
    if (s == nullptr) missing(field);
    return s == nullptr ? IdT() : IdT(std::string_view(s->c_str(), s->size()));
  }
  static std::string text(const flatbuffers::String* s) {
    return s == nullptr ? std::string() : std::string(s->c_str(), s->size());
  }
  Currency currency(const flatbuffers::String* s, const char* field) {
    if (s == nullptr) missing(field);
    return s == nullptr ? Currency() : Currency(std::string_view(s->c_str(), s->size()));
  }
  Money money(const fb::Money* m, const char* field) {
    if (m == nullptr) {
      missing(field);
      return Money{};
    }
    return Money{m->amount(), currency(m->currency(), field)};
  }
  // The C++ enum of the same number, when the schema defines it.
  template <class To, class From>
  To status(From raw, const char* field) {
    if (static_cast<uint8_t>(raw) > static_cast<uint8_t>(From::MAX)) invalid(field);
    return static_cast<To>(raw);
  }
  template <class Line>
  std::vector<Line> lines(const TableVector<fb::SnapshotLine>* v, const char* field) {
    std::vector<Line> out;
    if (v == nullptr) return out;
    out.reserve(v->size());
    for (const fb::SnapshotLine* l : *v) {
      out.push_back(
          Line{id<Sku>(l->sku(), field), Quantity{l->quantity()}, money(l->unit_price(), field)});
    }
    return out;
  }
  void missing(const char* field) { invalid(field); }
  void invalid(const char* field) {
    if (!problem_) problem_ = field;
  }
  [[nodiscard]] const char* problem() const { return problem_; }

 private:
  const char* problem_ = nullptr;
};

ProductState read_state(const fb::ProductSnapshot& t, Fields& f) {
  ProductState s;
  s.defined = t.defined();
  s.name = Fields::text(t.name());
  s.price = f.money(t.price(), "product price");
  s.retired = t.retired();
  s.on_hand = t.on_hand();
  s.reserved = t.reserved();
  if (t.holds() != nullptr) {
    for (const fb::HoldSnapshot* h : *t.holds()) {
      s.holds.push_back(HoldEntry{f.id<OrderId>(h->order_id(), "hold order_id"), h->attempt(),
                                  f.status<HoldStatus>(h->status(), "hold status"), h->quantity(),
                                  Timestamp{h->expires_at_us()}});
    }
  }
  return s;
}

CartState read_state(const fb::CartSnapshot& t, Fields& f) {
  CartState s;
  s.status = f.status<CartStatus>(t.status(), "cart status");
  s.customer_id = f.id<CustomerId>(t.customer_id(), "cart customer_id");
  s.currency = f.currency(t.currency(), "cart currency");
  s.lines = f.lines<CartLine>(t.lines(), "cart lines");
  s.order_id = f.id<OrderId>(t.order_id(), "cart order_id");
  s.checkout_attempt = t.checkout_attempt();
  s.checkout_expires_at = Timestamp{t.checkout_expires_at()};
  return s;
}

std::vector<PaymentState> read_payments(const TableVector<fb::PaymentSnapshot>* v, Fields& f) {
  std::vector<PaymentState> out;
  if (v == nullptr) return out;
  out.reserve(v->size());
  for (const fb::PaymentSnapshot* p : *v) {
    out.push_back(PaymentState{f.id<PaymentId>(p->payment_id(), "payment_id"),
                               f.status<PaymentStatus>(p->status(), "payment status"),
                               p->authorized(), p->captured(), p->refunded(), p->voided()});
  }
  return out;
}

std::vector<ReturnLine> read_returned(const TableVector<fb::ReturnLine>* v, Fields& f) {
  std::vector<ReturnLine> out;
  if (v == nullptr) return out;
  out.reserve(v->size());
  for (const fb::ReturnLine* l : *v) {
    out.push_back(ReturnLine{f.id<Sku>(l->sku(), "returned sku"), Quantity{l->quantity()}});
  }
  return out;
}

OrderState read_state(const fb::OrderSnapshot& t, Fields& f) {
  OrderState s;
  s.status = f.status<OrderStatus>(t.status(), "order status");
  s.cart_id = f.id<CartId>(t.cart_id(), "order cart_id");
  s.customer_id = f.id<CustomerId>(t.customer_id(), "order customer_id");
  s.currency = f.currency(t.currency(), "order currency");
  s.lines = f.lines<OrderLine>(t.lines(), "order lines");
  s.total = f.money(t.total(), "order total");
  s.placed_at = Timestamp{t.placed_at_us()};
  s.expires_at = Timestamp{t.expires_at_us()};
  s.payments = read_payments(t.payments(), f);
  s.returned = read_returned(t.returned(), f);
  s.refund_due = t.refund_due();
  s.stock_elsewhere = t.stock_elsewhere();
  return s;
}

ReviewState read_state(const fb::ReviewSnapshot& t, Fields& f) {
  ReviewState s;
  s.exists = t.exists();
  s.counts = t.counts();
  s.sku = f.id<Sku>(t.sku(), "review sku");
  s.customer_id = f.id<CustomerId>(t.customer_id(), "review customer_id");
  s.order_id = f.id<OrderId>(t.order_id(), "review order_id");
  s.stars = t.stars();
  s.comment = Fields::text(t.comment());
  return s;
}

// The state the union holds, when it is of the kind `expected` holds.
std::optional<AnyState> read_any(const fb::Snapshot& root, const AnyState& expected, Fields& f) {
  if (root.state_type() != state_type(expected)) return std::nullopt;
  switch (root.state_type()) {
    case fb::SnapshotState::ProductSnapshot:
      return read_state(*root.state_as_ProductSnapshot(), f);
    case fb::SnapshotState::CartSnapshot:
      return read_state(*root.state_as_CartSnapshot(), f);
    case fb::SnapshotState::OrderSnapshot:
      return read_state(*root.state_as_OrderSnapshot(), f);
    case fb::SnapshotState::ReviewSnapshot:
      return read_state(*root.state_as_ReviewSnapshot(), f);
    case fb::SnapshotState::NONE:
      break;
  }
  return std::nullopt;
}

// FlatBuffers reads scalars in place, which needs 8-byte alignment; RocksDB's values
// need not have it, so unaligned bytes are copied to per-thread storage first.
std::span<const uint8_t> aligned(std::string_view bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) == 0) return {data, bytes.size()};
  thread_local std::vector<uint64_t> storage;
  storage.resize(bytes.size() / sizeof(uint64_t) + 1);
  std::memcpy(storage.data(), bytes.data(), bytes.size());
  return {reinterpret_cast<const uint8_t*>(storage.data()), bytes.size()};
}

// Field 0 of the root table, read after verifying only the root offset and that
// field: a snapshot of another format need not verify against this schema.
std::optional<uint8_t> format_of(std::span<const uint8_t> bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  const flatbuffers::uoffset_t root = verifier.VerifyOffset(0);
  if (root == 0) return std::nullopt;
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(bytes.data() + root);
  if (!table->VerifyTableStart(verifier) ||
      !table->VerifyField<uint8_t>(verifier, fb::Snapshot::VT_FORMAT, 1)) {
    return std::nullopt;
  }
  return table->GetField<uint8_t>(fb::Snapshot::VT_FORMAT, 0);
}

std::unexpected<Error> malformed(std::string_view stream, std::string_view why) {
  return fail(ErrorCode::kMalformed,
              "the snapshot of " + std::string(stream) + " cannot be used: " + std::string(why));
}

}  // namespace

void encode_snapshot(std::string_view stream, const AnyState& state, Position position,
                     const events::Hash& hash, std::string& out) {
  Builder& b = thread_builder();
  const StringRef stream_ref = b.CreateString(stream.data(), stream.size());
  const auto hash_ref = b.CreateVector(hash.data(), hash.size());
  const auto state_ref = std::visit([&](const auto& s) { return put_state(b, s); }, state);
  const auto root = fb::CreateSnapshot(b, kSnapshotFormat, stream_ref, version_of(state).value,
                                       position.value, hash_ref, state_type(state), state_ref);
  fb::FinishSnapshotBuffer(b, root);
  out.assign(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

Result<Snapshot> decode_snapshot(std::string_view stored, std::string_view stream) {
  // The size checks precede flatbuffers::Verifier, which asserts on 2 GiB or more.
  if (stored.size() < 2 * sizeof(flatbuffers::uoffset_t) ||
      stored.size() >= FLATBUFFERS_MAX_BUFFER_SIZE ||
      !flatbuffers::BufferHasIdentifier(stored.data(), fb::SnapshotIdentifier())) {
    return malformed(stream, "not a Snapshot FlatBuffer (size or identifier)");
  }
  const std::span<const uint8_t> bytes = aligned(stored);
  const std::optional<uint8_t> format = format_of(bytes);
  if (!format) return malformed(stream, "its format cannot be read");
  if (*format != kSnapshotFormat) {
    return fail(ErrorCode::kInvalidState, "the snapshot of " + std::string(stream) +
                                              " is of format " + std::to_string(*format) +
                                              ", this build reads " +
                                              std::to_string(kSnapshotFormat));
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifySnapshotBuffer(verifier)) return malformed(stream, "not a valid Snapshot");
  const fb::Snapshot& root = *fb::GetSnapshot(bytes.data());
  if (root.stream() == nullptr || root.stream()->string_view() != stream) {
    return malformed(stream, "it names another stream");
  }
  if (root.version() == 0 || root.position() == 0) {
    return malformed(stream, "version or position 0");
  }
  if (root.hash() == nullptr || root.hash()->size() != events::Hash().size()) {
    return malformed(stream, "its hash is not 32 bytes");
  }
  Fields fields;
  std::optional<AnyState> state = read_any(root, empty_state_for(stream), fields);
  if (!state) return malformed(stream, "its state is not of the stream's kind");
  if (fields.problem() != nullptr) {
    return malformed(stream, std::string(fields.problem()) + " is missing or out of range");
  }
  std::visit([&](auto& s) { s.version = StreamVersion{root.version()}; }, *state);
  Snapshot out{std::move(*state), Position{root.position()}, {}};
  std::memcpy(out.hash.data(), root.hash()->data(), out.hash.size());
  return out;
}

}  // namespace stockroom::engine::internal
