// The tablet program's shared pieces: opening the node's data directory.
#pragma once

#include <memory>
#include <string>

#include "core/report.hpp"
#include "storage/capture.hpp"
#include "storage/replica.hpp"
#include "tools/cli/args.hpp"

namespace carnet::tool {

using core::Result;
using core::Status;

// DIR/carnet.db: the replica inside the data directory.
std::string replica_path(const std::string& data_dir);

// DIR/carnet.key: the node's data key, wrapped under the inspector's passphrase or a key file.
std::string key_path(const std::string& data_dir);

// Opens (kCreate: creates, with a new data key) the encrypted replica in `data_dir`, asking
// for the secret as tools/cli/secret.hpp says. kPermissionDenied for a wrong passphrase.
Result<std::unique_ptr<storage::Replica>> open_replica(const cli::Args& args, const std::string& data_dir,
                                                       storage::Database::Mode mode);

// Opens an initialised node; kFailedPrecondition ("carnet init") if there is none.
Result<std::unique_ptr<storage::Replica>> open_node(const cli::Args& args);

// Display names of inspectors known to this node (its own inspector).
core::InspectorNames names_of(storage::Replica& replica);

// The signature check of a report on this tablet: against the central CA it pinned at
// enrollment (in `data_dir`), or "non vérifiable" on a tablet that is not enrolled.
core::SignatureVerdict check_signature(const std::string& data_dir, storage::Replica& replica,
                                       const core::InspectionView& view);

// Today's date on this machine's local calendar.
core::Date today();

// The commands, each returning the process exit code.
int cmd_init(const cli::Args& args);
int cmd_grid(const cli::Args& args);
int cmd_dossier(const cli::Args& args);
int cmd_inspection(const cli::Args& args);
int cmd_report(const cli::Args& args);
int cmd_changes(const cli::Args& args);
int cmd_enroll(const cli::Args& args);
int cmd_sync(const cli::Args& args);
int cmd_status(const cli::Args& args);
int cmd_conflicts(const cli::Args& args);
int cmd_passphrase(const cli::Args& args);
int cmd_serve(const cli::Args& args);

// Prints `s` as the command's failure and returns the exit code.
int failed(const Status& s, const cli::Args& args);

}  // namespace carnet::tool
