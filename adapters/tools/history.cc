#include "adapters/tools/history.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "adapters/wire/wire.h"
#include "engine/engine.h"

namespace stockroom::tools {
namespace {

constexpr size_t kChunk = 1024;
// Wide enough for most "id (role)"; a longer actor pushes its command id right.
constexpr size_t kActorWidth = 28;

// The widest type name, so that the columns after it line up on every row.
size_t type_width() {
  size_t width = 4;
  for (std::string_view name : event_type_names()) width = std::max(width, name.size());
  return width;
}

void table_row(std::string& out, const engine::LoggedEvent& logged, size_t types) {
  const RecordedEvent& e = logged.event;
  fmt::format_to(std::back_inserter(out), "{:>10}  {:>7}  {:<27}  {:<{}}  {}  {:<{}}  {}\n",
                 e.position.value, e.version.value, wire::time_text(e.time),
                 event_type_name(e.data), types, events::to_hex(logged.hash).substr(0, kShortHash),
                 fmt::format("{} ({})", e.actor.id.str(), role_name(e.actor.role)), kActorWidth,
                 e.command_id.str());
}

}  // namespace

Result<uint64_t> write_history(const events::EventLog& log, std::string_view stream,
                               HistoryFormat format, const Sink& sink) {
  const size_t types = type_width();
  const std::string name(stream);
  uint64_t count = 0;
  std::string out;
  if (format == HistoryFormat::kTable) {
    fmt::format_to(std::back_inserter(out), "{:>10}  {:>7}  {:<27}  {:<{}}  {:<{}}  {:<{}}  {}\n",
                   "POSITION", "VERSION", "TIME", "TYPE", types, "HASH", kShortHash, "ACTOR",
                   kActorWidth, "COMMAND");
  }
  for (StreamVersion from{1};;) {
    auto stored = log.read_stream(name, from, kChunk);
    if (!stored) return std::unexpected(stored.error());
    if (stored->empty()) break;
    auto decoded = engine::decode_all(*stored);
    if (!decoded) return std::unexpected(decoded.error());
    std::string line;
    for (const engine::LoggedEvent& e : *decoded) {
      if (format == HistoryFormat::kTable) {
        table_row(out, e, types);
      } else {
        wire::event_json(e, line);
        out += line;
        out.push_back('\n');
      }
    }
    count += decoded->size();
    from.value += decoded->size();
    if (Status s = sink(out); !s) return std::unexpected(s.error());
    out.clear();
    if (decoded->size() < kChunk) break;
  }
  if (count == 0) {
    return fail(ErrorCode::kNotFound, "stream " + name +
                                          " has no events (streams are named like order-<id>, "
                                          "cart-<id>, product-<sku>)");
  }
  return count;
}

}  // namespace stockroom::tools
