// The stockroom command line: one function per subcommand, registered with CLI11.
// Exit codes (cli.md): 0 success, 1 refused or failed operation, 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace stockroom::cli {

// Registers a subcommand on `app`; the returned function runs it after parsing and
// gives the exit code.
using Runner = std::function<int()>;

Runner add_checkpoint(CLI::App& app);
Runner add_demo(CLI::App& app);
Runner add_history(CLI::App& app);
Runner add_rebuild(CLI::App& app);
Runner add_replay(CLI::App& app);
Runner add_restore(CLI::App& app);
Runner add_send(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_verify(CLI::App& app);

}  // namespace stockroom::cli
