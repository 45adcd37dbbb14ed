// Documents the programs read and write the same way: the dossier import file and the
// inspection report.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/dossier.hpp"
#include "core/report.hpp"
#include "tools/cli/args.hpp"

namespace carnet::cli {

// `dossier import FILE`: reads and validates the dossier import file named by the command's
// third word (docs/dossiers.md; errors name the file), hands its dossiers to `import` and
// prints how many it took.
using DossierImport = std::function<Result<std::size_t>(const std::vector<core::Dossier>&)>;
Status import_dossier_file(const cli::Args& args, const DossierImport& import);

// The report of `view` in `--format` (html or json): written atomically to `--output` (and
// the path printed), or printed. Returns the process exit code.
int write_report(const cli::Args& args, const core::InspectionView& view, const core::InspectorNames& names,
                 std::string_view program, const core::SignatureVerdict& signature = {});

}  // namespace carnet::cli
