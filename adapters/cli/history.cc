// `stockroom history --data DIR <stream>`: one stream's events for an auditor, as a
// table or JSON lines; `--as-of TIME|POSITION` prints the stream's view folded up to
// that point instead (cli.md). Read-only; safe beside serve.
#include "adapters/tools/history.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <variant>

#include "adapters/cli/stdout_sink.h"
#include "adapters/cli/subcommands.h"
#include "adapters/tools/time_arg.h"
#include "engine/offline.h"

namespace stockroom::cli {
namespace {

struct HistoryArgs {
  std::string data;
  std::string stream;
  bool json = false;
  std::string as_of;
};

int run_history(const HistoryArgs& a) {
  std::optional<tools::PointInLog> point;
  if (!a.as_of.empty()) {
    auto parsed = tools::parse_point_arg(a.as_of);
    if (!parsed) {
      fmt::print(stderr, "stockroom history: --as-of: {}\n", parsed.error().message);
      return 2;
    }
    point = *parsed;
  }
  auto log = engine::open_offline(a.data);
  if (!log) {
    fmt::print(stderr, "stockroom history: {}\n", log.error().message);
    return 1;
  }
  if (point) {
    auto view =
        std::visit([&](auto at) { return engine::fold_as_of(**log, a.stream, at); }, *point);
    if (!view) {
      fmt::print(stderr, "stockroom history: {}: {}\n", a.stream, view.error().message);
      return 1;
    }
    fmt::print("{}\n", *view);
    return 0;
  }
  auto written = tools::write_history(
      **log, a.stream, a.json ? tools::HistoryFormat::kJsonLines : tools::HistoryFormat::kTable,
      write_stdout);
  if (!written) {
    fmt::print(stderr, "stockroom history: {}\n", written.error().message);
    return 1;
  }
  return 0;
}

}  // namespace

Runner add_history(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "history", "one stream's events with actors, command ids, times and hashes (read-only)");
  auto a = std::make_shared<HistoryArgs>();
  sub->add_option("--data", a->data, "data directory")->required();
  sub->add_option("stream", a->stream, "the stream, e.g. order-o-1, cart-c-1, product-MUG")
      ->required();
  sub->add_flag("--json", a->json,
                "JSON lines (the event shape of the NATS API) instead of a table");
  sub->add_option("--as-of", a->as_of,
                  "print the stream's view as it was at this position or time (RFC 3339)");
  return [a] { return run_history(*a); };
}

}  // namespace stockroom::cli
