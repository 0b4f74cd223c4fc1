#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "adapters/cli/subcommands.h"

int main(int argc, char** argv) {
  CLI::App app{"stockroom: an event-sourced order and inventory engine"};
  app.require_subcommand(1);
  // One TOML file for every subcommand, a section each ([serve] data = "...").
  app.set_config("--config", "", "a TOML file; keys under [serve] as the serve flags")
      ->envname("STOCKROOM_CONFIG");
  app.fallthrough();  // --config may also come after the subcommand
  std::map<std::string, stockroom::cli::Runner> runners;
  runners["checkpoint"] = stockroom::cli::add_checkpoint(app);
  runners["demo"] = stockroom::cli::add_demo(app);
  runners["history"] = stockroom::cli::add_history(app);
  runners["rebuild"] = stockroom::cli::add_rebuild(app);
  runners["replay"] = stockroom::cli::add_replay(app);
  runners["restore"] = stockroom::cli::add_restore(app);
  runners["send"] = stockroom::cli::add_send(app);
  runners["serve"] = stockroom::cli::add_serve(app);
  runners["verify"] = stockroom::cli::add_verify(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && app.get_subcommands().empty()) {
      // No subcommand (cli.md): the usage and what there is to run say more than CLI11's
      // "Run with --help for more information".
      std::fputs(app.help().c_str(), stderr);
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  for (CLI::App* sub : app.get_subcommands()) return runners.at(sub->get_name())();
  return 2;
}
