#include "storage/grid_file.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "carnet/v1/grid.pb.h"
#include "storage/files.hpp"

namespace carnet::storage {
namespace {

using core::fail;
using core::Result;
using core::Status;

class Collector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!first_) {
      first_ = core::Message("stockage.grid_file.position",
                             {{"ligne", line + 1}, {"colonne", column + 1}, {"detail", message}});
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  // The first error, where it is and what the parser says.
  const std::optional<core::Message>& first() const { return first_; }

 private:
  std::optional<core::Message> first_;
};

core::ItemType item_type(carnet::v1::ItemType t) {
  switch (t) {
    case carnet::v1::ITEM_TYPE_YES_NO: return core::ItemType::kYesNo;
    case carnet::v1::ITEM_TYPE_CHECK: return core::ItemType::kCheck;
    case carnet::v1::ITEM_TYPE_INTEGER: return core::ItemType::kInteger;
    case carnet::v1::ITEM_TYPE_DECIMAL: return core::ItemType::kDecimal;
    case carnet::v1::ITEM_TYPE_MONEY: return core::ItemType::kMoney;
    case carnet::v1::ITEM_TYPE_PERCENT: return core::ItemType::kPercent;
    case carnet::v1::ITEM_TYPE_DATE: return core::ItemType::kDate;
    case carnet::v1::ITEM_TYPE_CHOICE: return core::ItemType::kChoice;
    case carnet::v1::ITEM_TYPE_TABLE: return core::ItemType::kTable;
    case carnet::v1::ITEM_TYPE_PHOTO: return core::ItemType::kPhoto;
    default: return core::ItemType::kText;
  }
}

Result<std::optional<core::Number>> bound(const std::string& text, core::Message what) {
  if (text.empty()) return std::optional<core::Number>();
  auto n = core::Number::parse(text);
  if (!n) return fail(n.error().with_context(std::move(what)));
  return std::optional<core::Number>(*n);
}

template <class Proto>
std::vector<core::Choice> choices(const Proto& p) {
  std::vector<core::Choice> out;
  for (const auto& c : p.choices()) out.push_back({c.value(), c.label()});
  return out;
}

Result<core::GridDef> to_def(const carnet::v1::Grid& g) {
  core::GridDef def;
  def.key = g.key();
  def.version = g.version();
  def.title = g.title();
  def.legal_basis = g.legal_basis();
  def.subject = g.subject();
  for (const auto& p : g.params()) {
    auto v = core::Number::parse(p.value());
    if (!v) return fail(v.error().with_context("stockage.grid_file.parametre", {{"nom", p.name()}}));
    def.params.push_back({p.name(), *v, p.label(), p.reference()});
  }
  for (const auto& s : g.sections()) {
    core::Section sec{s.key(), s.number(), s.title(), s.help(), {}};
    for (const auto& i : s.items()) {
      core::Item item;
      item.key = s.key() + "." + i.key();
      if (i.type() == carnet::v1::ITEM_TYPE_UNSPECIFIED) {
        return fail(Status::invalid_argument("stockage.grid_file.type_manquant", {{"item", item.key}}));
      }
      item.label = i.label();
      item.help = i.help();
      item.heading = i.heading();
      item.type = item_type(i.type());
      item.unit = i.unit();
      item.choices = choices(i);
      auto lo = bound(i.min(), core::Message("stockage.grid_file.borne", {{"item", item.key}, {"borne", "min"}}));
      auto hi = bound(i.max(), core::Message("stockage.grid_file.borne", {{"item", item.key}, {"borne", "max"}}));
      if (!lo) return fail(lo.error());
      if (!hi) return fail(hi.error());
      item.min = *lo;
      item.max = *hi;
      for (const auto& c : i.columns()) {
        if (c.type() == carnet::v1::ITEM_TYPE_UNSPECIFIED) {
          return fail(Status::invalid_argument("stockage.grid_file.colonne_type_manquant",
                                               {{"item", item.key}, {"colonne", c.key()}}));
        }
        core::Column col{c.key(), c.label(), item_type(c.type()), c.unit(), choices(c), {}, {}};
        auto clo = bound(c.min(), core::Message("stockage.grid_file.colonne_borne",
                                                {{"item", item.key}, {"colonne", c.key()}, {"borne", "min"}}));
        auto chi = bound(c.max(), core::Message("stockage.grid_file.colonne_borne",
                                                {{"item", item.key}, {"colonne", c.key()}, {"borne", "max"}}));
        if (!clo) return fail(clo.error());
        if (!chi) return fail(chi.error());
        col.min = *clo;
        col.max = *chi;
        item.columns.push_back(std::move(col));
      }
      item.calculate = i.calculate();
      item.relevant = i.relevant();
      for (const auto& n : i.norms()) {
        item.norms.push_back({n.id(), n.condition(), n.when(), n.reference(), n.requirement(), n.detail()});
      }
      if (i.max_rows() > 0) item.max_rows = i.max_rows();
      sec.items.push_back(std::move(item));
    }
    def.sections.push_back(std::move(sec));
  }
  return def;
}

}  // namespace

Result<std::shared_ptr<const core::Grid>> parse_grid(std::string_view text, std::string_view origin) {
  const std::string where(origin);
  if (text.size() > kMaxGridFileBytes) {
    return fail(Status::out_of_range("stockage.grid_file.trop_grand", {{"origine", where}}));
  }
  carnet::v1::Grid proto;
  google::protobuf::TextFormat::Parser parser;
  Collector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &proto)) {
    if (!errors.first()) {
      return fail(Status::invalid_argument("stockage.grid_file.syntaxe_sans_detail", {{"origine", where}}));
    }
    const std::vector<core::Message> error{*errors.first()};
    return fail(Status::invalid_argument("stockage.grid_file.syntaxe", {{"origine", where}, {"erreur", error}}));
  }
  auto def = to_def(proto);
  if (!def) return fail(def.error().with_context("stockage.grid_file.origine", {{"origine", where}}));
  auto grid = core::Grid::compile(std::move(*def));
  if (!grid) return fail(grid.error().with_context("stockage.grid_file.origine", {{"origine", where}}));
  return grid;
}

Result<std::string> read_grid_file(const std::string& path) { return read_file(path, kMaxGridFileBytes); }

Result<GridFile> load_grid_file(const std::string& path) {
  auto text = read_grid_file(path);
  if (!text) return fail(text.error());
  auto grid = parse_grid(*text, path);
  if (!grid) return fail(grid.error());
  return GridFile{std::move(*text), std::move(*grid)};
}

}  // namespace carnet::storage
