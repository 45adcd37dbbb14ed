// Documents the programs read and write the same way: the dossier import file and the
// inspection report.
#pragma once

#include <string>
#include <vector>

#include "core/dossier.hpp"
#include "core/report.hpp"
#include "tools/cli/args.hpp"

namespace carnet::cli {

// Reads and validates a dossier import file (docs/dossiers.md); errors name the file.
Result<std::vector<core::Dossier>> read_dossier_file(const std::string& path);

// The report of `view` in `--format` (html or json): written atomically to `--output` (and
// the path printed), or printed. Returns the process exit code.
int write_report(const cli::Args& args, const core::InspectionView& view, const core::InspectorNames& names,
                 std::string_view program, const core::SignatureVerdict& signature = {});

}  // namespace carnet::cli
