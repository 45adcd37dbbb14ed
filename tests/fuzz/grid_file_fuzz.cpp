// Fuzzes the grid file parser: the input is the text of a grid file (protobuf text format),
// parsed and compiled into a core::Grid as `carnet-central grid publish` and the built-in
// grids are. A grid that compiles then has its norms evaluated against empty answers, so
// that what the compiler accepts is also safe to run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/answers.hpp"
#include "core/findings.hpp"
#include "storage/grid_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > carnet::storage::kMaxGridFileBytes) return 0;  // read_grid_file refuses larger files
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto grid = carnet::storage::parse_grid(text, "fuzz.grid");
  if (!grid) return 0;
  carnet::core::AnswerSet answers(*grid);
  for (int i = 0; i < (*grid)->item_count(); ++i) static_cast<void>(answers.is_relevant(i));
  static_cast<void>(carnet::core::evaluate_findings(answers));
  return 0;
}
