// The central program's shared pieces: its data directory, its store, its CA; and its commands,
// by group (init.cpp, serve.cpp, catalogue.cpp, devices.cpp, reports.cpp, review.cpp, staff.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/message.hpp"
#include "storage/central/central.hpp"
#include "sync/pki.hpp"
#include "tools/central/node_config.hpp"
#include "tools/cli/args.hpp"

namespace carnet::central {

using core::Result;
using core::Status;

// Prints `s` as the command's failure and returns the exit code.
int failed(const Status& s, const cli::Args& args);

std::int64_t now_ms();

// The actor of the office's actions in the audit log: "bureau:LOGIN", the account this
// program runs as (from the system's user database, not from the environment), so that the
// log tells which clerk acted when each has an account; "bureau" when it has no name.
std::string office_actor();

// The central CA's certificate ("" before init).
std::string ca_certificate(const NodeConfig& config);

// The same for the node whose data directory is `dir` (its configuration was read when its
// store was opened).
std::string ca_certificate(const std::string& dir);

storage::CentralOptions store_options(const NodeConfig& config);

Result<NodeConfig> node_config(const cli::Args& args);

// The node's store; kFailedPrecondition ("carnet-central init") if there is none.
Result<std::unique_ptr<storage::Central>> open_store(const NodeConfig& config);
Result<std::unique_ptr<storage::Central>> open_store(const cli::Args& args);

// The CA's certificate and key.
Result<sync::Credentials> load_ca(const NodeConfig& p);

// `text` as an integer in [1, max] (`fallback` when absent); `what` names it in the message.
Result<int> positive(const std::optional<std::string>& text, int fallback, int max, core::MessageKey what);

// The commands, each returning the process exit code.
int cmd_init(const cli::Args& args);
int cmd_serve(const cli::Args& args);
int cmd_inspector(const cli::Args& args, storage::Central& store);
int cmd_dossier(const cli::Args& args, storage::Central& store);
int cmd_assign(const cli::Args& args, storage::Central& store, bool assign);
int cmd_grid(const cli::Args& args, storage::Central& store);
int cmd_enroll(const cli::Args& args, storage::Central& store);
int cmd_device(const cli::Args& args, storage::Central& store);
int cmd_inspection(const cli::Args& args, storage::Central& store);
int cmd_report(const cli::Args& args, storage::Central& store);
int cmd_addendum(const cli::Args& args, storage::Central& store);
int cmd_conflicts(const cli::Args& args, storage::Central& store);
int cmd_quarantine(const cli::Args& args, storage::Central& store);
int cmd_user(const cli::Args& args, storage::Central& store);
int cmd_audit(const cli::Args& args, storage::Central& store);

}  // namespace carnet::central
