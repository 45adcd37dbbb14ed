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
    if (first_.empty()) {
      first_ = "ligne " + std::to_string(line + 1) + ", colonne " + std::to_string(column + 1) + " : " + message;
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
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

Result<std::optional<core::Number>> bound(const std::string& text, const std::string& what) {
  if (text.empty()) return std::optional<core::Number>();
  auto n = core::Number::parse(text);
  if (!n) return fail(n.error().with_context(what));
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
    if (!v) return fail(v.error().with_context("paramètre " + p.name()));
    def.params.push_back({p.name(), *v, p.label(), p.reference()});
  }
  for (const auto& s : g.sections()) {
    core::Section sec{s.key(), s.number(), s.title(), s.help(), {}};
    for (const auto& i : s.items()) {
      core::Item item;
      item.key = s.key() + "." + i.key();
      const std::string ctx = "item " + item.key;
      if (i.type() == carnet::v1::ITEM_TYPE_UNSPECIFIED) {
        return fail(Status::invalid_argument(ctx + " : type manquant"));
      }
      item.label = i.label();
      item.help = i.help();
      item.heading = i.heading();
      item.type = item_type(i.type());
      item.unit = i.unit();
      item.choices = choices(i);
      auto lo = bound(i.min(), ctx + ", min");
      auto hi = bound(i.max(), ctx + ", max");
      if (!lo) return fail(lo.error());
      if (!hi) return fail(hi.error());
      item.min = *lo;
      item.max = *hi;
      for (const auto& c : i.columns()) {
        if (c.type() == carnet::v1::ITEM_TYPE_UNSPECIFIED) {
          return fail(Status::invalid_argument(ctx + ", colonne " + c.key() + " : type manquant"));
        }
        core::Column col{c.key(), c.label(), item_type(c.type()), c.unit(), choices(c), {}, {}};
        auto clo = bound(c.min(), ctx + ", colonne " + c.key() + ", min");
        auto chi = bound(c.max(), ctx + ", colonne " + c.key() + ", max");
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
    return fail(Status::out_of_range(where + " : fichier de grille trop grand (maximum 1 Mio)"));
  }
  carnet::v1::Grid proto;
  google::protobuf::TextFormat::Parser parser;
  Collector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &proto)) {
    return fail(Status::invalid_argument(where + " : " + errors.first()));
  }
  auto def = to_def(proto);
  if (!def) return fail(def.error().with_context(where));
  auto grid = core::Grid::compile(std::move(*def));
  if (!grid) return fail(grid.error().with_context(where));
  return grid;
}

Result<std::string> read_grid_file(const std::string& path) { return read_file(path, kMaxGridFileBytes); }

}  // namespace carnet::storage
