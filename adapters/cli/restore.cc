// `stockroom restore <checkpoint> --data DIR`: makes a checkpoint the data directory
// DIR (events/checkpoint.h: restore_checkpoint; docs/storage.md, "Checkpoints").
#include <fmt/format.h>

#include <memory>
#include <string>

#include "adapters/cli/subcommands.h"
#include "events/checkpoint.h"

namespace stockroom::cli {
namespace {

// What to do next, by what went wrong.
std::string_view hint(const Error& error) {
  if (events::is_locked(error)) {
    return ": stop that serve, or restore from a checkpoint of it (stockroom checkpoint)";
  }
  if (error.code == ErrorCode::kNotFound) {
    return ": give a directory that `stockroom checkpoint` wrote";
  }
  return "";
}

int run_restore(const std::string& checkpoint, const std::string& data) {
  Result<events::RestoreReport> report = events::restore_checkpoint(checkpoint, data);
  if (!report) {
    fmt::print(stderr, "stockroom restore: {}{}\n", report.error().message, hint(report.error()));
    return 1;
  }
  fmt::print("restored {} into {}: head position {}, hash {} ({} files linked, {} copied)\n",
             checkpoint, data, report->head.position.value, events::to_hex(report->head.hash),
             report->linked, report->copied);
  return 0;
}

}  // namespace

Runner add_restore(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "restore", "make a checkpoint the data directory --data (which must be new or empty)");
  auto checkpoint = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  sub->add_option("checkpoint", *checkpoint, "a directory `stockroom checkpoint` wrote")
      ->required();
  sub->add_option("--data", *data, "the data directory to create: new or empty")->required();
  return [checkpoint, data] { return run_restore(*checkpoint, *data); };
}

}  // namespace stockroom::cli
