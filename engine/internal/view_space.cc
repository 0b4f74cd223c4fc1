#include "engine/internal/view_space.h"

#include <cstring>

namespace stockroom::engine::internal {
namespace {

constexpr std::string_view kMetaPrefix{"\xff\xff\xff\xff", 4};

std::string meta_key(std::string_view name) {
  std::string k(kMetaPrefix);
  k += name;
  return k;
}

template <class T>
std::string big_endian(T value) {
  std::string out(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<char>(value >> (8 * (sizeof(T) - 1 - i)));
  }
  return out;
}

template <class T>
bool from_big_endian(std::string_view bytes, T& value) {
  if (bytes.size() != sizeof(T)) return false;
  value = 0;
  for (unsigned char c : bytes) value = static_cast<T>((value << 8) | c);
  return true;
}

}  // namespace

ViewSpace::ViewSpace(std::string_view view_name) : space_("view-" + std::string(view_name)) {}

std::string ViewSpace::view_key(uint32_t gen, std::string_view key) {
  std::string k = big_endian(gen);
  k += key;
  return k;
}

std::string ViewSpace::gen_begin(uint32_t gen) { return big_endian(gen); }

std::string ViewSpace::gen_end(uint32_t gen) { return big_endian(gen + 1); }

Result<ViewSpace::Meta> ViewSpace::read_meta(const events::EventLog& log) const {
  Meta meta;
  auto read = [&](std::string_view name, auto& out) -> Status {
    auto value = log.get(space_, meta_key(name));
    if (!value) return std::unexpected(value.error());
    if (*value && !from_big_endian(**value, out)) {
      return fail(ErrorCode::kMalformed, space_ + ": corrupt meta entry " + std::string(name));
    }
    return {};
  };
  if (auto s = read("gen", meta.gen); !s) return std::unexpected(s.error());
  if (auto s = read("checkpoint", meta.checkpoint.value); !s) return std::unexpected(s.error());
  if (auto s = read("rebuilding", meta.rebuilding); !s) return std::unexpected(s.error());
  return meta;
}

void ViewSpace::put_gen(events::LogBatch& batch, uint32_t gen) const {
  batch.put(space_, meta_key("gen"), big_endian(gen));
}

void ViewSpace::put_checkpoint(events::LogBatch& batch, Position position) const {
  batch.put(space_, meta_key("checkpoint"), big_endian(position.value));
}

void ViewSpace::put_rebuilding(events::LogBatch& batch, uint32_t gen) const {
  batch.put(space_, meta_key("rebuilding"), big_endian(gen));
}

void ViewSpace::clear_rebuilding(events::LogBatch& batch) const {
  batch.remove(space_, meta_key("rebuilding"));
}

}  // namespace stockroom::engine::internal
