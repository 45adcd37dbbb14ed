// Command-line plumbing shared by the programs: arguments, the data directory, output in
// French or JSON, exit codes.
//
// Every command accepts `--data DIR` (or the CARNET_DATA environment variable) and `--json`
// anywhere on the line. Exit codes (documented in the README):
//   0 ok, 1 internal error, 2 bad usage or invalid input, 3 not found, 4 not allowed in the
//   current state (e.g. a signed inspection), 5 database locked, 6 corrupt data, 7 I/O error,
//   8 already exists, 9 wrong passphrase or key.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/json.hpp"
#include "core/status.hpp"

namespace carnet::cli {

using core::Result;
using core::Status;

class Args {
 public:
  // Splits argv into positionals and options. `value_options` lists the options that take
  // a value ("--data", "--name", ...); `--opt=value` is accepted too. `--json` is a flag.
  static Result<Args> parse(int argc, char** argv, const std::vector<std::string_view>& value_options,
                            const std::vector<std::string_view>& flags);

  const std::vector<std::string>& positional() const { return positional_; }
  std::optional<std::string> option(std::string_view name) const;
  bool flag(std::string_view name) const;
  bool json() const { return flag("--json"); }

  // The positional at `index`, or kInvalidArgument naming `what` (a catalogue entry) when missing.
  Result<std::string> required(std::size_t index, core::MessageKey what) const;
  // The option, or kInvalidArgument naming it when missing.
  Result<std::string> required_option(std::string_view name) const;
  // kInvalidArgument if there are positionals beyond `count`.
  Status no_more_than(std::size_t count) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string, std::less<>> options_;
};

// The first step of a program's main(): parses argv. A parse error is reported and its exit
// code returned; --help prints `usage` and where the data directory comes from (exit 0), and so does a line without a command (exit 2).
// Otherwise the arguments of a command to run.
std::variant<Args, int> parse_command_line(int argc, char** argv, std::string_view program, std::string_view usage,
                                           const std::vector<std::string_view>& value_options,
                                           const std::vector<std::string_view>& flags);

// The refusal of a command `program` does not know (exit 2).
int unknown_command(const Args& args, std::string_view program);

// The data directory: --data, else $CARNET_DATA; kInvalidArgument when neither is set.
Result<std::string> data_dir(const Args& args);

int exit_code(const Status& s);

// Prints a failure (stderr in text mode, a JSON object on stdout with --json) and returns
// its exit code.
int report_error(const Status& s, bool json, std::string_view program);
// Prints a JSON document on stdout.
void print_json(const core::Json& j);

}  // namespace carnet::cli
