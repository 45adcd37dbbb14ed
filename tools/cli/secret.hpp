// Where the secret that unlocks a tablet's data key comes from (storage/key_file.hpp), in
// this order:
//   --key-file FILE or $CARNET_KEY_FILE              the file's bytes (unattended use)
//   --passphrase-file FILE or $CARNET_PASSPHRASE_FILE  the file's first line (unattended use, tests)
//   otherwise the passphrase typed at the terminal, without echo.
// A new secret (carnet init, carnet passphrase change) comes from --new-key-file or
// --new-passphrase-file for a change, from the options above for init, or is typed twice.
// Files that hold a secret must not be readable by group or others. The same goes for the
// password of an office staff account (new_password).
#pragma once

#include "storage/key_file.hpp"
#include "tools/cli/args.hpp"

namespace carnet::cli {

// The secret for an existing key file. kInvalidArgument (French, saying how to give one)
// when there is no option, no variable and no terminal; kPermissionDenied for a secret file
// readable by others; kNotFound for a missing file.
Result<storage::Secret> current_secret(const Args& args);

// A secret to wrap a key under: from the --new-* options when `change`, else from the same
// options as current_secret; typed twice at the terminal otherwise.
Result<storage::Secret> new_secret(const Args& args, bool change);

// A staff account's new password (carnet-central user add): the first line of
// --password-file, or typed twice at the terminal. Errors as current_secret; kInvalidArgument
// when the two typed differ.
Result<storage::Secret> new_password(const Args& args);

}  // namespace carnet::cli
