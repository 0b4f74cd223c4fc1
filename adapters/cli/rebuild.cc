// `stockroom rebuild [--view NAME] --data DIR`: rebuilds read models from the log.
#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/cli/subcommands.h"
#include "engine/engine.h"
#include "engine/offline.h"

namespace stockroom::cli {
namespace {

int run_rebuild(const std::string& data, const std::string& view) {
  // The engine would create a missing directory: a mistyped path must not become an
  // empty store.
  if (auto log = engine::open_offline(data); !log) {
    fmt::print(stderr, "stockroom rebuild: {}\n", log.error().message);
    return 1;
  }
  engine::EngineOptions options;
  options.data_dir = data;
  options.durability = events::Durability::kSync;
  auto opened = engine::Engine::open(options);
  if (!opened) {
    fmt::print(stderr, "stockroom rebuild: cannot open {}: {} (is serve running on it?)\n", data,
               opened.error().message);
    return 1;
  }
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  auto report =
      (*opened)->rebuild(view, [tty](std::string_view name, Position done, Position head) {
        if (tty) fmt::print(stderr, "\r{}: {}/{} events", name, done.value, head.value);
      });
  if (tty) fmt::print(stderr, "\n");
  if (!report) {
    fmt::print(stderr, "stockroom rebuild: {}: {}\n", error_code_name(report.error().code),
               report.error().message);
    return 1;
  }
  const double rate =
      report->seconds > 0 ? static_cast<double>(report->events) / report->seconds : 0;
  fmt::print("rebuilt {} view(s) ({}): {} events applied in {:.2f} s, {:.0f} events/s\n",
             report->views.size(), fmt::join(report->views, ", "), report->events, report->seconds,
             rate);
  return 0;
}

// The views the engine keeps (projections::standard_projections).
std::vector<std::string> view_names() {
  std::vector<std::string> names;
  for (const auto& p : projections::standard_projections()) names.emplace_back(p->name());
  return names;
}

}  // namespace

Runner add_rebuild(CLI::App& app) {
  auto* sub = app.add_subcommand("rebuild", "rebuild read models from the log (all, or one)");
  auto data = std::make_shared<std::string>();
  auto view = std::make_shared<std::string>();
  sub->add_option("--data", *data, "data directory")->required();
  sub->add_option("--view", *view, "the view to rebuild: order, stock, rating or cart")
      ->check(CLI::IsMember(view_names()));
  return [data, view] { return run_rebuild(*data, *view); };
}

}  // namespace stockroom::cli
