#include "core/expression.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/text.hpp"

namespace carnet::core {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Value num(const char* text) { return Value::number(*Number::parse(text)); }
Value txt(const char* text) { return Value::text(text); }
Value day(const char* iso) { return Value::date(*Date::parse(iso)); }

// A value as a short string: "null", "true", "12.5", "1/3", "2024-03-01", "'texte'".
std::string show(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull: return "null";
    case ValueKind::kBool: return v.as_bool() ? "true" : "false";
    case ValueKind::kNumber: return v.as_number().canonical();
    case ValueKind::kDate: return v.as_date().iso();
    case ValueKind::kText: return "'" + v.as_text() + "'";
  }
  return "?";
}

// The names and values an expression sees, written by hand: items, tables of rows,
// parameters and the visit date. Item values may also be errors, as a computed item whose
// own calculation failed.
class Env final : public SymbolTable, public EvalContext {
 public:
  int add_item(std::string name, ExprType type, Value value = {}) {
    Entry e;
    e.name = std::move(name);
    e.type = type;
    e.value = std::move(value);
    entries_.push_back(std::move(e));
    return static_cast<int>(entries_.size()) - 1;
  }
  int add_failing_item(std::string name, ExprType type, Status error) {
    const int i = add_item(std::move(name), type);
    entries_[static_cast<std::size_t>(i)].value = fail(std::move(error));
    return i;
  }
  int add_table(std::string name, std::vector<std::pair<std::string, ExprType>> columns) {
    const int i = add_item(std::move(name), ExprType::kTable);
    entries_[static_cast<std::size_t>(i)].columns = std::move(columns);
    return i;
  }
  void add_row(int table, std::vector<Value> cells) {
    entries_[static_cast<std::size_t>(table)].rows.push_back(std::move(cells));
  }
  void set(int item, Value value) { entries_[static_cast<std::size_t>(item)].value = std::move(value); }
  void add_param(std::string name, const char* value) { params_.emplace_back(std::move(name), num(value)); }
  void set_visit_date(std::optional<Date> d) { visit_ = d; }

  // SymbolTable
  std::optional<Symbol> lookup(std::string_view name) const override {
    for (const auto& [key, value] : params_) {
      if (key == name) {
        Symbol s;
        s.kind = Symbol::Kind::kConstant;
        s.type = ExprType::kNumber;
        s.constant = value;
        return s;
      }
    }
    if (name == "date_visite") {
      Symbol s;
      s.kind = Symbol::Kind::kBuiltin;
      s.type = ExprType::kDate;
      s.builtin = Builtin::kVisitDate;
      return s;
    }
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].name == name) {
        Symbol s;
        s.kind = entries_[i].type == ExprType::kTable ? Symbol::Kind::kTable : Symbol::Kind::kItem;
        s.type = entries_[i].type;
        s.index = static_cast<int>(i);
        return s;
      }
    }
    return std::nullopt;
  }
  std::optional<Symbol> column(int table, std::string_view name) const override {
    const auto& cols = entries_[static_cast<std::size_t>(table)].columns;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (cols[c].first == name) {
        Symbol s;
        s.kind = Symbol::Kind::kColumn;
        s.type = cols[c].second;
        s.index = static_cast<int>(c);
        return s;
      }
    }
    return std::nullopt;
  }

  // EvalContext
  Result<Value> item(int item) const override { return entries_[static_cast<std::size_t>(item)].value; }
  std::size_t row_count(int table) const override { return entries_[static_cast<std::size_t>(table)].rows.size(); }
  Value cell(int table, std::size_t row, int column) const override {
    return entries_[static_cast<std::size_t>(table)].rows[row][static_cast<std::size_t>(column)];
  }
  Value builtin(Builtin which) const override {
    if (which == Builtin::kVisitDate && visit_) return Value::date(*visit_);
    return Value();
  }

  Result<Expression> compile(std::string_view text, std::optional<ExprType> expected = std::nullopt) const {
    return Expression::compile(text, *this, expected);
  }

  // Compiles and evaluates `text`: the value as show() writes it, "compile error: <message>"
  // or "<code>: <message>" for an evaluation error.
  std::string run(std::string_view text) const {
    auto e = compile(text);
    if (!e) return "compile error: " + e.error().message();
    auto v = e->evaluate(*this);
    if (!v) return std::string(status_code_name(v.error().code())) + ": " + v.error().message();
    return show(*v);
  }

  // The compile error of `text`, which must not compile.
  Status compile_error(std::string_view text) const {
    auto e = compile(text);
    if (e) return Status::internal("coeur.expression_test.compilee", {{"expression", text}});
    return e.error();
  }

  // The evaluation error of `text`, which must compile and then fail.
  Status eval_error(std::string_view text) const {
    auto e = compile(text);
    if (!e) return Status::internal("coeur.expression_test.non_compilee", {{"erreur", e.error().to_string()}});
    auto v = e->evaluate(*this);
    if (v) return Status::internal("coeur.expression_test.evaluee", {{"valeur", show(*v)}});
    return v.error();
  }

 private:
  struct Entry {
    std::string name;
    ExprType type = ExprType::kNull;
    Result<Value> value = Value();
    std::vector<std::pair<std::string, ExprType>> columns;
    std::vector<std::vector<Value>> rows;
  };
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, Value>> params_;
  std::optional<Date> visit_;
};

// A compile error must be kInvalidArgument and name its column ("colonne N : ...").
void expect_compile_error_at(const Env& env, std::string_view text, int column, const std::string& what) {
  SCOPED_TRACE(std::string(text));
  const Status s = env.compile_error(text);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_THAT(s.message(), StartsWith("colonne " + std::to_string(column) + " : ")) << s.message();
  EXPECT_THAT(s.message(), HasSubstr(what));
}

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// ---------------------------------------------------------------------------------------
// Literals, arithmetic, precedence.

TEST(Expression, Literals) {
  Env env;
  EXPECT_EQ(env.run("80"), "80");
  EXPECT_EQ(env.run("0.25"), "0.25");
  EXPECT_EQ(env.run("1.3196"), "1.3196");
  EXPECT_EQ(env.run("'oui'"), "'oui'");
  EXPECT_EQ(env.run("''"), "''");
  EXPECT_EQ(env.run("'art. 94, C.R. : « oui »'"), "'art. 94, C.R. : « oui »'");
  EXPECT_EQ(env.run("true"), "true");
  EXPECT_EQ(env.run("false"), "false");
  EXPECT_EQ(env.run("null"), "null");
  EXPECT_EQ(env.run("date('2024-03-01')"), "2024-03-01");
  EXPECT_EQ(env.run("  \t 7 \n "), "7");
}

TEST(Expression, ArithmeticOperators) {
  Env env;
  EXPECT_EQ(env.run("2 + 3"), "5");
  EXPECT_EQ(env.run("2 - 3"), "-1");
  EXPECT_EQ(env.run("2 * 3"), "6");
  EXPECT_EQ(env.run("7 / 2"), "3.5");
  EXPECT_EQ(env.run("1 / 3"), "1/3");
  EXPECT_EQ(env.run("-4"), "-4");
  EXPECT_EQ(env.run("--4"), "4");
  EXPECT_EQ(env.run("- - -4"), "-4");
  EXPECT_EQ(env.run("2 * -3"), "-6");
  EXPECT_EQ(env.run("1 - -1"), "2");
  EXPECT_EQ(env.run("2+3*4"), "14");
}

TEST(Expression, PrecedenceAndAssociativity) {
  Env env;
  EXPECT_EQ(env.run("1 + 2 * 3"), "7");
  EXPECT_EQ(env.run("(1 + 2) * 3"), "9");
  EXPECT_EQ(env.run("10 - 2 - 3"), "5");      // left associative
  EXPECT_EQ(env.run("10 - (2 - 3)"), "11");
  EXPECT_EQ(env.run("12 / 2 / 3"), "2");      // left associative
  EXPECT_EQ(env.run("12 / (2 / 3)"), "18");
  EXPECT_EQ(env.run("2 * 3 + 4 * 5"), "26");
  EXPECT_EQ(env.run("-2 * -3 + -1"), "5");
  EXPECT_EQ(env.run("-(2 + 3)"), "-5");
  EXPECT_EQ(env.run("1 + 2 < 2 * 2"), "true");   // arithmetic binds tighter than comparison
  EXPECT_EQ(env.run("not 1 > 2"), "true");       // comparison tighter than not
  EXPECT_EQ(env.run("not false and false"), "false");  // not tighter than and
  EXPECT_EQ(env.run("not (false and false)"), "true");
  EXPECT_EQ(env.run("true or false and false"), "true");  // and tighter than or
  EXPECT_EQ(env.run("(true or false) and false"), "false");
  EXPECT_EQ(env.run("false and false or true"), "true");
  EXPECT_EQ(env.run("not not true"), "true");
}

TEST(Expression, ArithmeticIsExact) {
  Env env;
  // 5840 nights for 20 places over 365 days: exactly 80 %, not 79.99999.
  EXPECT_EQ(env.run("5840 / (20 * 365) * 100"), "80");
  EXPECT_EQ(env.run("5840 / (20 * 365) * 100 == 80"), "true");
  EXPECT_EQ(env.run("5840 / (20 * 365) * 100 >= 80"), "true");
  EXPECT_EQ(env.run("5839 / (20 * 365) * 100 >= 80"), "false");
  EXPECT_EQ(env.run("0.1 + 0.2 == 0.3"), "true");
  EXPECT_EQ(env.run("1 / 3 * 3 == 1"), "true");
  EXPECT_EQ(env.run("6 * 1,3196"), "compile error: colonne 6 : symbole en trop « , »");
  EXPECT_EQ(env.run("6 * 1.3196"), "7.9176");

  const int rate = env.add_item("taux", ExprType::kNumber, num("80"));
  env.add_param("seuil", "80");
  EXPECT_EQ(env.run("taux >= seuil"), "true");
  env.set(rate, Value::number(*Number::mul(*Number::div(Number::integer(5840), Number::integer(7300)),
                                           Number::integer(100))));
  EXPECT_EQ(env.run("taux == seuil"), "true");
}

TEST(Expression, DivisionByZeroIsAnEvaluationError) {
  Env env;
  EXPECT_EQ(env.eval_error("1 / 0").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("1 / (2 - 2)").code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(env.eval_error("1 / 0").message(), HasSubstr("division par zéro"));
  const int places = env.add_item("places", ExprType::kNumber, num("0"));
  EXPECT_EQ(env.eval_error("5840 / (places * 365) * 100 >= 80").code(), StatusCode::kInvalidArgument);
  // Unanswered data stays unknown rather than failing.
  env.set(places, Value());
  EXPECT_EQ(env.run("5840 / (places * 365)"), "null");
}

// ---------------------------------------------------------------------------------------
// Comparisons and three-valued logic.

TEST(Expression, ComparisonsOnNumbers) {
  Env env;
  EXPECT_EQ(env.run("1 == 1"), "true");
  EXPECT_EQ(env.run("1 == 2"), "false");
  EXPECT_EQ(env.run("1 != 2"), "true");
  EXPECT_EQ(env.run("1 != 1"), "false");
  EXPECT_EQ(env.run("1 < 2"), "true");
  EXPECT_EQ(env.run("2 < 2"), "false");
  EXPECT_EQ(env.run("2 <= 2"), "true");
  EXPECT_EQ(env.run("3 <= 2"), "false");
  EXPECT_EQ(env.run("3 > 2"), "true");
  EXPECT_EQ(env.run("2 > 2"), "false");
  EXPECT_EQ(env.run("2 >= 2"), "true");
  EXPECT_EQ(env.run("1 >= 2"), "false");
  EXPECT_EQ(env.run("-1 < 0"), "true");
  EXPECT_EQ(env.run("1.50 == 1.5"), "true");
}

TEST(Expression, ComparisonsOnDatesTextsAndBooleans) {
  Env env;
  EXPECT_EQ(env.run("date('2024-03-01') < date('2024-03-02')"), "true");
  EXPECT_EQ(env.run("date('2024-03-01') >= date('2024-03-02')"), "false");
  EXPECT_EQ(env.run("date('2024-03-01') == date('2024-03-01')"), "true");
  EXPECT_EQ(env.run("'oui' == 'oui'"), "true");
  EXPECT_EQ(env.run("'oui' == 'non'"), "false");
  EXPECT_EQ(env.run("'oui' != 'non'"), "true");
  EXPECT_EQ(env.run("'oui' != 'oui'"), "false");
  EXPECT_EQ(env.run("'Oui' == 'oui'"), "false");
  EXPECT_EQ(env.run("true == true"), "true");
  EXPECT_EQ(env.run("true != false"), "true");
  EXPECT_EQ(env.run("true == false"), "false");
}

TEST(Expression, ComparisonTypeErrors) {
  Env env;
  expect_compile_error_at(env, "1 == 'a'", 3, "comparaison entre nombre et texte");
  expect_compile_error_at(env, "1 < date('2024-01-01')", 3, "comparaison entre nombre et date");
  expect_compile_error_at(env, "true == 1", 6, "comparaison entre");
  expect_compile_error_at(env, "'a' < 'b'", 5, "comparaison d'ordre impossible sur texte");
  expect_compile_error_at(env, "true > false", 6, "comparaison d'ordre impossible sur booléen");
  // Comparisons do not chain.
  expect_compile_error_at(env, "1 < 2 < 3", 7, "symbole en trop");
}

TEST(Expression, ThreeValuedAnd) {
  Env env;
  EXPECT_EQ(env.run("true and true"), "true");
  EXPECT_EQ(env.run("true and false"), "false");
  EXPECT_EQ(env.run("false and true"), "false");
  EXPECT_EQ(env.run("false and false"), "false");
  EXPECT_EQ(env.run("null and false"), "false");
  EXPECT_EQ(env.run("false and null"), "false");
  EXPECT_EQ(env.run("null and true"), "null");
  EXPECT_EQ(env.run("true and null"), "null");
  EXPECT_EQ(env.run("null and null"), "null");
}

TEST(Expression, ThreeValuedOr) {
  Env env;
  EXPECT_EQ(env.run("true or true"), "true");
  EXPECT_EQ(env.run("true or false"), "true");
  EXPECT_EQ(env.run("false or true"), "true");
  EXPECT_EQ(env.run("false or false"), "false");
  EXPECT_EQ(env.run("null or true"), "true");
  EXPECT_EQ(env.run("true or null"), "true");
  EXPECT_EQ(env.run("null or false"), "null");
  EXPECT_EQ(env.run("false or null"), "null");
  EXPECT_EQ(env.run("null or null"), "null");
}

TEST(Expression, ThreeValuedNotAndNullPropagation) {
  Env env;
  EXPECT_EQ(env.run("not true"), "false");
  EXPECT_EQ(env.run("not false"), "true");
  EXPECT_EQ(env.run("not null"), "null");
  const int x = env.add_item("x", ExprType::kNumber);  // unanswered
  const int ok = env.add_item("ok", ExprType::kBool);  // unanswered
  for (const char* e : {"x + 1", "1 + x", "x - 1", "x * 0", "0 * x", "x / 1", "-x", "x == 1", "1 == x",
                        "x != 1", "x < 1", "x <= 1", "x > 1", "x >= 1", "x == x", "null == null",
                        "null != null", "null < 1", "not ok", "ok == true", "ok and true",
                        "ok or false", "1 + null", "x / 0"}) {
    EXPECT_EQ(env.run(e), "null") << e;
  }
  EXPECT_EQ(env.run("ok and false"), "false");
  EXPECT_EQ(env.run("ok or true"), "true");
  EXPECT_EQ(env.run("x > 3 or true"), "true");
  EXPECT_EQ(env.run("x > 3 and false"), "false");
  env.set(x, num("4"));
  env.set(ok, Value::boolean(true));
  EXPECT_EQ(env.run("x + 1"), "5");
  EXPECT_EQ(env.run("x > 3 and ok"), "true");
}

TEST(Expression, LogicShortCircuitsOverErrors) {
  Env env;
  EXPECT_EQ(env.run("false and 1 / 0 > 1"), "false");
  EXPECT_EQ(env.run("true or 1 / 0 > 1"), "true");
  EXPECT_EQ(env.eval_error("true and 1 / 0 > 1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("null and 1 / 0 > 1").code(), StatusCode::kInvalidArgument);
}

TEST(Expression, LogicTypeErrors) {
  Env env;
  expect_compile_error_at(env, "true and 1", 6, "and : attendu booléen, trouvé nombre");
  expect_compile_error_at(env, "1 or true", 3, "or : attendu booléen, trouvé nombre");
  expect_compile_error_at(env, "not 1", 1, "not : attendu booléen, trouvé nombre");
  expect_compile_error_at(env, "not 'oui'", 1, "not : attendu booléen, trouvé texte");
  expect_compile_error_at(env, "1 + 'a'", 3, "opération arithmétique : attendu nombre, trouvé texte");
  expect_compile_error_at(env, "'a' * 2", 5, "opération arithmétique : attendu nombre, trouvé texte");
  expect_compile_error_at(env, "1 - true", 3, "opération arithmétique : attendu nombre, trouvé booléen");
  expect_compile_error_at(env, "date('2024-01-01') + 1", 20, "attendu nombre, trouvé date");
  expect_compile_error_at(env, "-'a'", 1, "signe moins : attendu nombre, trouvé texte");
  expect_compile_error_at(env, "2 * (3 + true)", 8, "trouvé booléen");
}

TEST(Expression, ExpectedResultType) {
  Env env;
  EXPECT_TRUE(env.compile("1 + 1", ExprType::kNumber));
  EXPECT_TRUE(env.compile("null", ExprType::kBool));  // null fits every type
  auto e = env.compile("1 + 1", ExprType::kBool);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.error().message(), "colonne 1 : l'expression donne un nombre, attendu booléen");
  EXPECT_EQ(env.compile("1 > 0")->type(), ExprType::kBool);
  EXPECT_EQ(env.compile("'a'")->type(), ExprType::kText);
  EXPECT_EQ(env.compile("date('2024-01-01')")->type(), ExprType::kDate);
  EXPECT_EQ(env.compile("null")->type(), ExprType::kNull);
  EXPECT_EQ(env.compile("1 + 1")->text(), "1 + 1");
}

TEST(Expression, TypeNamesAreFrench) {
  EXPECT_EQ(expr_type_name(ExprType::kNull), "null");
  EXPECT_EQ(expr_type_name(ExprType::kBool), "booléen");
  EXPECT_EQ(expr_type_name(ExprType::kNumber), "nombre");
  EXPECT_EQ(expr_type_name(ExprType::kDate), "date");
  EXPECT_EQ(expr_type_name(ExprType::kText), "texte");
  EXPECT_EQ(expr_type_name(ExprType::kTable), "tableau");
}

// ---------------------------------------------------------------------------------------
// Names.

TEST(Expression, NamesResolveToItemsParametersAndTheVisitDate) {
  Env env;
  const int nights = env.add_item("fonctionnement.nuitees_agreees", ExprType::kNumber, num("5840"));
  const int open = env.add_item("fonctionnement.ouvert", ExprType::kText, txt("oui"));
  env.add_param("coefficient_index", "1.3196");
  EXPECT_EQ(env.run("fonctionnement.nuitees_agreees / 73"), "80");
  EXPECT_EQ(env.run("fonctionnement.ouvert == 'oui'"), "true");
  EXPECT_EQ(env.run("6 * coefficient_index"), "7.9176");
  EXPECT_EQ(env.run("date_visite"), "null");
  env.set_visit_date(*Date::parse("2024-03-01"));
  EXPECT_EQ(env.run("date_visite"), "2024-03-01");
  EXPECT_EQ(env.run("year(date_visite)"), "2024");

  auto e = env.compile("fonctionnement.nuitees_agreees + coefficient_index > 0 and fonctionnement.ouvert == 'oui'");
  ASSERT_TRUE(e) << e.error().to_string();
  EXPECT_THAT(e->item_refs(), ::testing::UnorderedElementsAre(nights, open));  // parameters are not items
}

TEST(Expression, UnknownNamesAndFunctions) {
  Env env;
  env.add_item("x", ExprType::kNumber, num("1"));
  expect_compile_error_at(env, "inconnu", 1, "nom inconnu « inconnu »");
  expect_compile_error_at(env, "x + inconnu", 5, "nom inconnu « inconnu »");
  expect_compile_error_at(env, "X", 1, "nom inconnu « X »");  // names are case sensitive
  expect_compile_error_at(env, "frobnicate(1)", 1, "fonction inconnue « frobnicate »");
  expect_compile_error_at(env, "x + sqrt(x)", 5, "fonction inconnue « sqrt »");
  expect_compile_error_at(env, "IF(true, 1, 2)", 1, "fonction inconnue « IF »");
  expect_compile_error_at(env, "x.", 1, "nom incomplet « x. »");
  expect_compile_error_at(env, "x(1)", 1, "fonction inconnue « x »");
}

TEST(Expression, WrongArity) {
  Env env;
  env.add_item("d", ExprType::kDate, day("2024-03-01"));
  expect_compile_error_at(env, "if(true, 1)", 1, "if() : 2 argument(s), attendu 3");
  expect_compile_error_at(env, "if(true, 1, 2, 3)", 1, "if() : 4 argument(s), attendu 3");
  expect_compile_error_at(env, "coalesce(1)", 1, "coalesce() : 1 argument(s), attendu 2");
  expect_compile_error_at(env, "answered()", 1, "answered() : 0 argument(s), attendu 1");
  expect_compile_error_at(env, "min()", 1, "min() : 0 argument(s), attendu 1 à 32");
  expect_compile_error_at(env, "abs(1, 2)", 1, "abs() : 2 argument(s), attendu 1");
  expect_compile_error_at(env, "floor()", 1, "floor() : 0 argument(s)");
  expect_compile_error_at(env, "ceil(1, 2)", 1, "ceil() : 2 argument(s)");
  expect_compile_error_at(env, "round(1)", 1, "round() : 1 argument(s), attendu 2");
  expect_compile_error_at(env, "date(2024, 3)", 1, "date() : 2 argument(s), attendu 3");
  expect_compile_error_at(env, "date()", 1, "date() : 0 argument(s), attendu 3");
  expect_compile_error_at(env, "year(d, d)", 1, "year() : 2 argument(s), attendu 1");
  expect_compile_error_at(env, "days(d)", 1, "days() : 1 argument(s), attendu 2");
  expect_compile_error_at(env, "add_days(d)", 1, "add_days() : 1 argument(s), attendu 2");
  expect_compile_error_at(env, "add_months(d, 1, 2)", 1, "add_months() : 3 argument(s), attendu 2");
  expect_compile_error_at(env, "1 + if(true, 1)", 5, "if() : 2 argument(s)");
}

TEST(Expression, ErrorsOfItemsPropagate) {
  Env env;
  env.add_failing_item("taux", ExprType::kNumber, Status::invalid_argument("coeur.number.division_par_zero"));
  const Status s = env.eval_error("taux >= 80");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "division par zéro");
  EXPECT_EQ(env.eval_error("coalesce(taux, 0)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("answered(taux)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("if(true, taux, 1)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.run("if(false, taux, 1)"), "1");
}

// ---------------------------------------------------------------------------------------
// Functions.

TEST(Expression, If) {
  Env env;
  const int c = env.add_item("c", ExprType::kBool);
  EXPECT_EQ(env.run("if(true, 1, 2)"), "1");
  EXPECT_EQ(env.run("if(false, 1, 2)"), "2");
  EXPECT_EQ(env.run("if(null, 1, 2)"), "null");
  EXPECT_EQ(env.run("if(c, 1, 2)"), "null");
  env.set(c, Value::boolean(false));
  EXPECT_EQ(env.run("if(c, 1, 2)"), "2");
  EXPECT_EQ(env.run("if(true, 'a', 'b')"), "'a'");
  EXPECT_EQ(env.run("if(true, null, 2)"), "null");
  EXPECT_EQ(env.run("if(false, null, 2)"), "2");
  EXPECT_EQ(env.run("if(true, 1, 1 / 0)"), "1");  // the other branch is not evaluated
  EXPECT_EQ(env.run("if(1 > 0, if(2 > 3, 'a', 'b'), 'c')"), "'b'");
  EXPECT_EQ(env.compile("if(true, null, 2)")->type(), ExprType::kNumber);
  expect_compile_error_at(env, "if(1, 2, 3)", 4, "if : attendu booléen, trouvé nombre");
  expect_compile_error_at(env, "if(true, 1, 'a')", 1, "if() : les deux branches n'ont pas le même type");
}

TEST(Expression, Coalesce) {
  Env env;
  const int x = env.add_item("x", ExprType::kNumber);
  EXPECT_EQ(env.run("coalesce(null, 2)"), "2");
  EXPECT_EQ(env.run("coalesce(1, 2)"), "1");
  EXPECT_EQ(env.run("coalesce(null, null)"), "null");
  EXPECT_EQ(env.run("coalesce(x, 0) + 1"), "1");
  env.set(x, num("5"));
  EXPECT_EQ(env.run("coalesce(x, 0) + 1"), "6");
  EXPECT_EQ(env.run("coalesce(1, 1 / 0)"), "1");
  EXPECT_EQ(env.compile("coalesce(null, 'a')")->type(), ExprType::kText);
  expect_compile_error_at(env, "coalesce(1, 'a')", 1, "coalesce() : types différents");
}

TEST(Expression, Answered) {
  Env env;
  const int x = env.add_item("x", ExprType::kNumber);
  const int t = env.add_item("t", ExprType::kText);
  EXPECT_EQ(env.run("answered(x)"), "false");
  EXPECT_EQ(env.run("answered(t)"), "false");
  env.set(x, num("0"));
  env.set(t, txt(""));
  EXPECT_EQ(env.run("answered(x)"), "true");
  EXPECT_EQ(env.run("answered(t)"), "false");  // an empty text is not an answer
  env.set(t, txt("non"));
  EXPECT_EQ(env.run("answered(t)"), "true");
  EXPECT_EQ(env.run("not answered(t)"), "false");
  expect_compile_error_at(env, "answered(1)", 10, "answered() : un item ou une colonne est attendu");
  expect_compile_error_at(env, "answered(x + 1)", 10, "answered() : un item ou une colonne est attendu");
}

TEST(Expression, MinAndMax) {
  Env env;
  const int x = env.add_item("x", ExprType::kNumber);
  EXPECT_EQ(env.run("min(3, 1, 2)"), "1");
  EXPECT_EQ(env.run("max(3, 1, 2)"), "3");
  EXPECT_EQ(env.run("min(7)"), "7");
  EXPECT_EQ(env.run("max(-1, -2.5)"), "-1");
  EXPECT_EQ(env.run("min(-1, -2.5)"), "-2.5");
  EXPECT_EQ(env.run("min(2, 2, 2)"), "2");
  EXPECT_EQ(env.run("min(1 / 3, 0.33)"), "0.33");
  EXPECT_EQ(env.run("min(1, x)"), "null");
  EXPECT_EQ(env.run("max(x, 1)"), "null");
  EXPECT_EQ(env.run("min(1, null)"), "null");
  env.set(x, num("0.5"));
  EXPECT_EQ(env.run("min(1, x)"), "0.5");
  EXPECT_EQ(env.run("max(date('2024-03-01'), date('2023-12-31'))"), "2024-03-01");
  EXPECT_EQ(env.run("min(date('2024-03-01'), date('2023-12-31'))"), "2023-12-31");
  const std::string thirty_two = "max(" + repeat("1, ", 31) + "2)";
  EXPECT_EQ(env.run(thirty_two), "2");
  expect_compile_error_at(env, "max(" + repeat("1, ", 32) + "2)", 1, "max() : 33 argument(s), attendu 1 à 32");
  expect_compile_error_at(env, "min(1, 'a')", 8, "min() : types différents");
  expect_compile_error_at(env, "max(1, date('2024-01-01'))", 8, "max() : types différents");
  expect_compile_error_at(env, "min('a', 'b')", 1, "min() : nombres ou dates attendus");
  expect_compile_error_at(env, "max(true, false)", 1, "max() : nombres ou dates attendus");
}

TEST(Expression, Rounding) {
  Env env;
  EXPECT_EQ(env.run("abs(-2.5)"), "2.5");
  EXPECT_EQ(env.run("abs(2.5)"), "2.5");
  EXPECT_EQ(env.run("abs(0)"), "0");
  EXPECT_EQ(env.run("floor(1.9)"), "1");
  EXPECT_EQ(env.run("floor(-1.1)"), "-2");
  EXPECT_EQ(env.run("floor(2)"), "2");
  EXPECT_EQ(env.run("ceil(1.1)"), "2");
  EXPECT_EQ(env.run("ceil(-1.9)"), "-1");
  EXPECT_EQ(env.run("ceil(2)"), "2");
  EXPECT_EQ(env.run("round(2.345, 2)"), "2.35");
  EXPECT_EQ(env.run("round(-2.345, 2)"), "-2.35");
  EXPECT_EQ(env.run("round(2.5, 0)"), "3");
  EXPECT_EQ(env.run("round(-2.5, 0)"), "-3");
  EXPECT_EQ(env.run("round(1 / 3, 9)"), "0.333333333");
  EXPECT_EQ(env.run("round(5839 / 73, 2)"), "79.99");
  EXPECT_EQ(env.run("abs(null)"), "null");
  EXPECT_EQ(env.run("floor(null)"), "null");
  EXPECT_EQ(env.run("ceil(null)"), "null");
  EXPECT_EQ(env.run("round(null, 2)"), "null");
  expect_compile_error_at(env, "abs('a')", 5, "abs : attendu nombre, trouvé texte");
  expect_compile_error_at(env, "round(1, 10)", 10, "round() : le nombre de décimales doit être un entier de 0 à 9");
  expect_compile_error_at(env, "round(1, -1)", 10, "round() : le nombre de décimales");
  expect_compile_error_at(env, "round(1, 1.5)", 10, "round() : le nombre de décimales");
  expect_compile_error_at(env, "round(1, 1 + 1)", 10, "round() : le nombre de décimales");
  expect_compile_error_at(env, "round(1, null)", 10, "round() : le nombre de décimales");
  expect_compile_error_at(env, "round('a', 2)", 7, "round : attendu nombre, trouvé texte");
}

// ---------------------------------------------------------------------------------------
// Tables: count, sum, all, any.

class TableTest : public ::testing::Test {
 protected:
  TableTest() {
    staff_ = env_.add_table("personnel", {{"nom", ExprType::kText},
                                          {"etp", ExprType::kNumber},
                                          {"diplome", ExprType::kBool},
                                          {"fonction", ExprType::kText}});
    empty_ = env_.add_table("vide", {{"etp", ExprType::kNumber}});
    places_ = env_.add_item("places", ExprType::kNumber, num("20"));
    env_.add_param("ratio", "0.1");
    env_.add_row(staff_, {txt("A"), num("1"), Value::boolean(true), txt("educateur")});
    env_.add_row(staff_, {txt("B"), num("0.5"), Value::boolean(false), txt("educateur")});
    env_.add_row(staff_, {txt("C"), num("0.75"), Value::boolean(true), txt("directeur")});
  }
  Env env_;
  int staff_ = -1;
  int empty_ = -1;
  int places_ = -1;
};

TEST_F(TableTest, Count) {
  EXPECT_EQ(env_.run("count(personnel)"), "3");
  EXPECT_EQ(env_.run("count(personnel, fonction == 'educateur')"), "2");
  EXPECT_EQ(env_.run("count(personnel, diplome)"), "2");
  EXPECT_EQ(env_.run("count(personnel, etp > 5)"), "0");
  EXPECT_EQ(env_.run("count(vide)"), "0");
  EXPECT_EQ(env_.run("count(vide, etp > 0)"), "0");
}

TEST_F(TableTest, Sum) {
  EXPECT_EQ(env_.run("sum(personnel, etp)"), "2.25");
  EXPECT_EQ(env_.run("sum(personnel, etp, diplome)"), "1.75");
  EXPECT_EQ(env_.run("sum(personnel, etp * 2, fonction == 'educateur')"), "3");
  EXPECT_EQ(env_.run("sum(vide, etp)"), "0");
  // Items and parameters are visible inside a row expression.
  EXPECT_EQ(env_.run("sum(personnel, etp * ratio * places)"), "4.5");
  EXPECT_EQ(env_.run("sum(personnel, etp) >= places * ratio"), "true");
}

TEST_F(TableTest, AllAndAny) {
  EXPECT_EQ(env_.run("all(personnel, etp > 0)"), "true");
  EXPECT_EQ(env_.run("all(personnel, diplome)"), "false");
  EXPECT_EQ(env_.run("any(personnel, diplome)"), "true");
  EXPECT_EQ(env_.run("any(personnel, etp > 1)"), "false");
  EXPECT_EQ(env_.run("all(vide, etp > 0)"), "true");   // vacuous truth
  EXPECT_EQ(env_.run("any(vide, etp > 0)"), "false");
}

TEST_F(TableTest, NullCellsAndConditions) {
  env_.add_row(staff_, {txt("D"), Value(), Value(), txt("educateur")});
  // count and sum skip rows whose condition is null and empty cells.
  EXPECT_EQ(env_.run("count(personnel)"), "4");
  EXPECT_EQ(env_.run("count(personnel, diplome)"), "2");
  EXPECT_EQ(env_.run("count(personnel, not diplome)"), "1");
  EXPECT_EQ(env_.run("sum(personnel, etp)"), "2.25");
  EXPECT_EQ(env_.run("count(personnel, answered(etp))"), "3");
  // all/any: a known counter-example decides; otherwise an unknown row makes it unknown.
  EXPECT_EQ(env_.run("all(personnel, etp > 0)"), "null");
  EXPECT_EQ(env_.run("all(personnel, etp > 0.6)"), "false");
  EXPECT_EQ(env_.run("any(personnel, etp > 0.8)"), "true");
  EXPECT_EQ(env_.run("any(personnel, etp > 5)"), "null");
  EXPECT_EQ(env_.run("all(personnel, answered(nom))"), "true");
}

TEST_F(TableTest, ErrorsInRowsPropagate) {
  env_.add_row(staff_, {txt("E"), num("0"), Value::boolean(true), txt("educateur")});
  EXPECT_EQ(env_.eval_error("sum(personnel, 1 / etp)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env_.eval_error("count(personnel, 1 / etp > 0)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env_.eval_error("all(personnel, 1 / etp > 0)").code(), StatusCode::kInvalidArgument);
  // After a failed aggregate the same compiled expression evaluates cleanly again.
  auto e = env_.compile("count(personnel) + sum(personnel, etp)");
  ASSERT_TRUE(e);
  EXPECT_EQ(show(*e->evaluate(env_)), "6.25");
}

TEST_F(TableTest, SumOverflowIsAnError) {
  const int big = env_.add_table("gros", {{"montant", ExprType::kNumber}});
  for (int i = 0; i < 20; ++i) env_.add_row(big, {num("999999999999999")});
  EXPECT_EQ(env_.eval_error("sum(gros, montant * 999)").code(), StatusCode::kOutOfRange);
}

TEST_F(TableTest, ColumnsShadowItemsInsideATableWalk) {
  env_.add_item("etp", ExprType::kNumber, num("100"));
  EXPECT_EQ(env_.run("sum(personnel, etp)"), "2.25");
  EXPECT_EQ(env_.run("etp + sum(personnel, etp)"), "102.25");
  EXPECT_EQ(env_.run("count(personnel, etp < 1) + etp"), "102");
}

TEST_F(TableTest, TableRefsAreReported) {
  auto e = env_.compile("sum(personnel, etp) >= places * ratio");
  ASSERT_TRUE(e);
  EXPECT_THAT(e->item_refs(), ::testing::UnorderedElementsAre(staff_, places_));
}

TEST_F(TableTest, CompileErrors) {
  expect_compile_error_at(env_, "personnel", 1, "« personnel » est un tableau");
  expect_compile_error_at(env_, "personnel + 1", 1, "est un tableau");
  expect_compile_error_at(env_, "etp > 0", 1, "nom inconnu « etp »");  // a column outside a table walk
  expect_compile_error_at(env_, "count(places)", 7, "count() : « places » n'est pas un tableau");
  expect_compile_error_at(env_, "count(inconnu)", 7, "count() : « inconnu » n'est pas un tableau");
  expect_compile_error_at(env_, "count(1)", 7, "count() : un nom de tableau est attendu");
  expect_compile_error_at(env_, "sum(personnel)", 14, "attendu « , » puis la valeur à additionner");
  expect_compile_error_at(env_, "sum(personnel, nom)", 16, "sum() : attendu nombre, trouvé texte");
  expect_compile_error_at(env_, "count(personnel, etp)", 18, "count() : attendu booléen, trouvé nombre");
  expect_compile_error_at(env_, "all(personnel)", 14, "attendu « , » puis une condition");
  expect_compile_error_at(env_, "any(personnel, nom)", 16, "any() : attendu booléen, trouvé texte");
  expect_compile_error_at(env_, "sum(personnel, count(vide))", 22, "count() ne peut pas être imbriqué");
  expect_compile_error_at(env_, "count(personnel, etp > 0, diplome)", 25, "attendu « ) »");
  // A column of one table is not visible while walking another.
  expect_compile_error_at(env_, "count(vide, nom == 'A')", 13, "nom inconnu « nom »");
}

// ---------------------------------------------------------------------------------------
// bracket(): legal norm tables.

TEST(Expression, BracketPicksTheFirstBoundAtOrAbove) {
  Env env;
  const int x = env.add_item("x", ExprType::kNumber);
  const std::string with_default = "bracket(x, 10: 0.5, 15: 1.5, *: 5)";
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"-1000", "0.5"}, {"0", "0.5"},  {"9.999999999", "0.5"}, {"10", "0.5"},
      {"10.000000001", "1.5"}, {"14", "1.5"}, {"15", "1.5"}, {"15.000000001", "5"},
      {"16", "5"}, {"1000000", "5"},
  };
  for (const auto& [input, expected] : cases) {
    env.set(x, num(input));
    EXPECT_EQ(env.run(with_default), expected) << "x = " << input;
  }
  env.set(x, Value());
  EXPECT_EQ(env.run(with_default), "null");
}

TEST(Expression, BracketWithoutDefault) {
  Env env;
  const int x = env.add_item("x", ExprType::kNumber);
  const std::string no_default = "bracket(x, 10: 0.5, 15: 1.5)";
  env.set(x, num("10"));
  EXPECT_EQ(env.run(no_default), "0.5");
  env.set(x, num("15"));
  EXPECT_EQ(env.run(no_default), "1.5");
  env.set(x, num("15.000000001"));
  EXPECT_EQ(env.run(no_default), "null");  // beyond the last bound: no norm applies
  env.set(x, num("100"));
  EXPECT_EQ(env.run(no_default), "null");
}

TEST(Expression, BracketVariants) {
  Env env;
  const int x = env.add_item("x", ExprType::kNumber, num("0"));
  EXPECT_EQ(env.run("bracket(x, -5: 'bas', 0: 'nul', *: 'haut')"), "'nul'");
  env.set(x, num("-5"));
  EXPECT_EQ(env.run("bracket(x, -5: 'bas', 0: 'nul', *: 'haut')"), "'bas'");
  env.set(x, num("-4.5"));
  EXPECT_EQ(env.run("bracket(x, -5: 'bas', 0: 'nul', *: 'haut')"), "'nul'");
  EXPECT_EQ(env.run("bracket(x, *: 7)"), "7");
  EXPECT_EQ(env.run("bracket(x, 0.5: 1)"), "1");
  EXPECT_EQ(env.run("bracket(x, 10: 1 / 0, *: 2)"), "invalid_argument: division par zéro");
  env.set(x, num("11"));
  EXPECT_EQ(env.run("bracket(x, 10: 1 / 0, *: 2)"), "2");  // only the chosen value is evaluated
  EXPECT_EQ(env.run("bracket(x * 2, 10: 1, 20: 2, 30: 3)"), "3");
  EXPECT_EQ(env.run("bracket(x, 10: null, *: 2)"), "2");
  EXPECT_EQ(env.run("bracket(x, 10: 1, *: null)"), "null");
  EXPECT_EQ(env.run("2 * bracket(x, 10: 1, 20: 2)"), "4");
  EXPECT_EQ(env.compile("bracket(x, 10: 'a', *: 'b')")->type(), ExprType::kText);
}

TEST(Expression, BracketCompileErrors) {
  Env env;
  env.add_item("x", ExprType::kNumber);
  env.add_item("t", ExprType::kText);
  expect_compile_error_at(env, "bracket(x, 15: 1, 10: 2)", 19, "bracket() : les paliers doivent croître");
  expect_compile_error_at(env, "bracket(x, 10: 1, 10: 2)", 19, "bracket() : les paliers doivent croître");
  expect_compile_error_at(env, "bracket(x, *: 1, 10: 2)", 18, "bracket() : « * » doit être le dernier palier");
  expect_compile_error_at(env, "bracket(x, *: 1, *: 2)", 18, "bracket() : « * » doit être le dernier palier");
  expect_compile_error_at(env, "bracket(x)", 1, "bracket() : au moins un palier est attendu");
  expect_compile_error_at(env, "bracket(t, 10: 1)", 9, "bracket() : attendu nombre, trouvé texte");
  expect_compile_error_at(env, "bracket(x, 10: 1, *: 'a')", 22, "bracket() : les valeurs n'ont pas toutes le même type");
  expect_compile_error_at(env, "bracket(x, x: 1)", 12, "bracket() : un palier numérique ou « * » est attendu");
  expect_compile_error_at(env, "bracket(x, 1 + 1: 1)", 14, "attendu « : » après le palier");
  expect_compile_error_at(env, "bracket(x, 10 1)", 15, "attendu « : » après le palier");
  expect_compile_error_at(env, "bracket(x, 10: 1", 17, "attendu « ) »");
  expect_compile_error_at(env, "bracket(x, 1234567890123456: 1)", 12, "nombre trop grand");
  // The ":" forms exist only in bracket().
  expect_compile_error_at(env, "min(1: 2)", 6, "attendu « ) »");
  expect_compile_error_at(env, "if(*: 1, 2, 3)", 4, "valeur attendue, trouvé « * »");
}

// ---------------------------------------------------------------------------------------
// Dates.

TEST(Expression, DateLiteralsAndConstruction) {
  Env env;
  EXPECT_EQ(env.run("date('2024-02-29')"), "2024-02-29");
  EXPECT_EQ(env.run("date(2024, 2, 29)"), "2024-02-29");
  EXPECT_EQ(env.run("date(2000, 2, 29)"), "2000-02-29");
  EXPECT_EQ(env.run("date(1900, 1, 1)"), "1900-01-01");
  EXPECT_EQ(env.run("date(2199, 12, 31)"), "2199-12-31");
  EXPECT_EQ(env.run("date(2024, 1 + 1, 3 * 10 - 1)"), "2024-02-29");
  EXPECT_EQ(env.run("date(2024, null, 1)"), "null");
  EXPECT_EQ(env.eval_error("date(2023, 2, 29)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("date(1900, 2, 29)").code(), StatusCode::kOutOfRange);  // 1900 is not leap
  EXPECT_EQ(env.eval_error("date(2024, 13, 1)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("date(1899, 12, 31)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("date(2200, 1, 1)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("date(2024, 1.5, 1)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("date(-2024, 1, 1)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("date(999999999999999, 1, 1)").code(), StatusCode::kInvalidArgument);
  expect_compile_error_at(env, "date('2023-02-29')", 6, "n'est pas une date valide");
  expect_compile_error_at(env, "date('1899-12-31')", 6, "n'est pas une date valide");
  expect_compile_error_at(env, "date('demain')", 6, "n'est pas une date");
  expect_compile_error_at(env, "date(2024)", 6, "date() : un texte 'AAAA-MM-JJ' est attendu");
  expect_compile_error_at(env, "date('2024' + '-01-01')", 13, "attendu nombre, trouvé texte");
  expect_compile_error_at(env, "date('2024', 1, 1)", 6, "date : attendu nombre, trouvé texte");
}

TEST(Expression, DateParts) {
  Env env;
  EXPECT_EQ(env.run("year(date('2024-03-01'))"), "2024");
  EXPECT_EQ(env.run("month(date('2024-03-01'))"), "3");
  EXPECT_EQ(env.run("day(date('2024-03-01'))"), "1");
  EXPECT_EQ(env.run("day(date('2024-02-29'))"), "29");
  EXPECT_EQ(env.run("year(null)"), "null");
  expect_compile_error_at(env, "year(2024)", 6, "year : attendu date, trouvé nombre");
  expect_compile_error_at(env, "month('2024-03-01')", 7, "month : attendu date, trouvé texte");
}

TEST(Expression, DaysBetween) {
  Env env;
  EXPECT_EQ(env.run("days(date('2024-01-01'), date('2025-01-01'))"), "366");  // leap year
  EXPECT_EQ(env.run("days(date('2023-01-01'), date('2024-01-01'))"), "365");
  EXPECT_EQ(env.run("days(date('2024-02-28'), date('2024-03-01'))"), "2");
  EXPECT_EQ(env.run("days(date('2023-02-28'), date('2023-03-01'))"), "1");
  EXPECT_EQ(env.run("days(date('2024-03-01'), date('2024-02-28'))"), "-2");
  EXPECT_EQ(env.run("days(date('2024-03-01'), date('2024-03-01'))"), "0");
  EXPECT_EQ(env.run("days(date('1900-01-01'), date('2199-12-31'))"), "109572");
  EXPECT_EQ(env.run("days(null, date('2024-03-01'))"), "null");
  expect_compile_error_at(env, "days(date('2024-03-01'), 5)", 26, "days : attendu date, trouvé nombre");
}

TEST(Expression, AddDaysAndMonths) {
  Env env;
  EXPECT_EQ(env.run("add_days(date('2024-02-28'), 1)"), "2024-02-29");
  EXPECT_EQ(env.run("add_days(date('2023-02-28'), 1)"), "2023-03-01");
  EXPECT_EQ(env.run("add_days(date('2024-12-31'), 1)"), "2025-01-01");
  EXPECT_EQ(env.run("add_days(date('2024-03-01'), -1)"), "2024-02-29");
  EXPECT_EQ(env.run("add_days(date('2024-03-01'), 0)"), "2024-03-01");
  EXPECT_EQ(env.run("add_days(date('2024-01-01'), 366)"), "2025-01-01");
  EXPECT_EQ(env.run("add_months(date('2024-01-31'), 1)"), "2024-02-29");  // clamped, leap
  EXPECT_EQ(env.run("add_months(date('2023-01-31'), 1)"), "2023-02-28");  // clamped
  EXPECT_EQ(env.run("add_months(date('2024-03-31'), -1)"), "2024-02-29");
  EXPECT_EQ(env.run("add_months(date('2024-10-31'), 1)"), "2024-11-30");
  EXPECT_EQ(env.run("add_months(date('2024-02-29'), 12)"), "2025-02-28");
  EXPECT_EQ(env.run("add_months(date('2024-02-29'), 48)"), "2028-02-29");
  EXPECT_EQ(env.run("add_months(date('2024-11-15'), 2)"), "2025-01-15");
  EXPECT_EQ(env.run("add_months(date('2024-01-15'), -1)"), "2023-12-15");
  EXPECT_EQ(env.run("add_months(date('2024-01-15'), 0)"), "2024-01-15");
  EXPECT_EQ(env.run("add_days(null, 1)"), "null");
  EXPECT_EQ(env.run("add_months(date('2024-01-15'), null)"), "null");
  EXPECT_EQ(env.eval_error("add_days(date('2024-01-01'), 1.5)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("add_months(date('2024-01-01'), 0.5)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.eval_error("add_days(date('2199-12-31'), 1)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("add_days(date('1900-01-01'), -1)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("add_months(date('2199-12-01'), 1)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("add_days(date('2024-01-01'), 999999999999999)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("add_days(date('2024-01-01'), -999999999999999)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("add_months(date('2024-01-01'), 999999999999999)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("add_months(date('2024-01-01'), -999999999999999)").code(), StatusCode::kOutOfRange);
  expect_compile_error_at(env, "add_days(5, 1)", 10, "add_days : attendu date, trouvé nombre");
  expect_compile_error_at(env, "add_months(date('2024-01-01'), 'x')", 32, "add_months : attendu nombre, trouvé texte");
}

TEST(Expression, DatesOfTheVisit) {
  Env env;
  env.add_item("suivi.derniere_visite", ExprType::kDate, day("2022-09-30"));
  env.set_visit_date(*Date::parse("2024-03-01"));
  EXPECT_EQ(env.run("add_months(suivi.derniere_visite, 18) >= date_visite"), "true");
  EXPECT_EQ(env.run("add_months(suivi.derniere_visite, 18)"), "2024-03-30");
  EXPECT_EQ(env.run("days(suivi.derniere_visite, date_visite) <= 365"), "false");
  env.set_visit_date(std::nullopt);
  EXPECT_EQ(env.run("add_months(suivi.derniere_visite, 18) >= date_visite"), "null");
}

// ---------------------------------------------------------------------------------------
// Syntax errors.

TEST(Expression, SyntaxErrors) {
  Env env;
  env.add_item("x", ExprType::kNumber);
  expect_compile_error_at(env, "", 1, "valeur attendue, trouvé « fin »");
  expect_compile_error_at(env, "   ", 4, "valeur attendue, trouvé « fin »");
  expect_compile_error_at(env, "1 +", 4, "valeur attendue, trouvé « fin »");
  expect_compile_error_at(env, "(1", 3, "attendu « ) », trouvé « fin »");
  expect_compile_error_at(env, "1)", 2, "symbole en trop « ) »");
  expect_compile_error_at(env, "1 2", 3, "symbole en trop « 2 »");
  expect_compile_error_at(env, "x x", 3, "symbole en trop « x »");
  expect_compile_error_at(env, "()", 2, "valeur attendue, trouvé « ) »");
  expect_compile_error_at(env, "* 2", 1, "valeur attendue, trouvé « * »");
  expect_compile_error_at(env, "1 + * 2", 5, "valeur attendue, trouvé « * »");
  expect_compile_error_at(env, "and", 1, "« and » mal placé");
  expect_compile_error_at(env, "true and or false", 10, "« or » mal placé");
  expect_compile_error_at(env, "not", 4, "valeur attendue, trouvé « fin »");
  expect_compile_error_at(env, "if(true, 1, 2", 14, "attendu « ) »");
  expect_compile_error_at(env, "if(true 1, 2)", 9, "attendu « ) », trouvé « 1 »");
  expect_compile_error_at(env, "min(1,)", 7, "valeur attendue, trouvé « ) »");
  expect_compile_error_at(env, "1.2.3", 1, "n'est pas un nombre");
  expect_compile_error_at(env, "1 ! 2", 3, "« ! » seul n'existe pas");
  expect_compile_error_at(env, "!true", 1, "« ! » seul n'existe pas");
}

TEST(Expression, UnterminatedStrings) {
  Env env;
  expect_compile_error_at(env, "'abc", 1, "texte non terminé");
  expect_compile_error_at(env, "'", 1, "texte non terminé");
  expect_compile_error_at(env, "1 == 'oui", 6, "texte non terminé");
  expect_compile_error_at(env, "'a' == 'b' and 'c", 16, "texte non terminé");
  expect_compile_error_at(env, "\"oui\"", 1, "caractère inattendu");  // only single quotes
}

TEST(Expression, StrayCharacters) {
  Env env;
  for (const char* bad : {"1 # 2", "1 ; 2", "1 % 2", "1 ^ 2", "1 & 2", "true | false", "@x", "$x",
                          "1 ? 2", "[1]", "{1}", "`1`", "1 ~ 2", "\\", "1 \x7f 2", "1 \x01 2"}) {
    SCOPED_TRACE(bad);
    const Status s = env.compile_error(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
    EXPECT_THAT(s.message(), StartsWith("colonne ")) << s.message();
  }
  expect_compile_error_at(env, "1 # 2", 3, "caractère inattendu « # »");
  expect_compile_error_at(env, "été", 1, "caractère inattendu");
  expect_compile_error_at(env, "1 + é", 5, "caractère inattendu");
}

TEST(Expression, ErrorMessagesAboutStrayBytesAreValidText) {
  Env env;
  for (const std::string& bad : {std::string("1 + é"), std::string("prix €"), std::string("1 +\0 2", 6),
                                std::string("1 \x01 2")}) {
    const Status s = env.compile_error(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(valid_utf8_text(s.message())) << s.message();
  }
}

TEST(Expression, EmbeddedNulBytesAreRefusedNotTruncated) {
  Env env;
  // A C-string reader would stop at the NUL and see "1 + 1"; the whole text counts.
  const std::string with_nul("1 + 1\0 + 5", 10);
  const Status s = env.compile_error(with_nul);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_THAT(s.message(), StartsWith("colonne 6 : caractère inattendu"));
  EXPECT_EQ(env.compile_error(std::string("\0", 1)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.compile_error(std::string("x\0", 2)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.compile_error(std::string(100, '\0')).code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------
// Malicious input: every limit fails cleanly with a Status, never with a crash.

TEST(Expression, DeepParenthesesFailCleanly) {
  Env env;
  // 10 000 '(' is over the length limit.
  Status s = env.compile_error(repeat("(", 10000) + "1" + repeat(")", 10000));
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("trop longue"));
  s = env.compile_error(repeat("(", 10000));
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.to_string();
  // Within the length limit, the depth limit stops it.
  s = env.compile_error(repeat("(", 2000) + "1" + repeat(")", 2000));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("expression trop imbriquée (profondeur maximale 64)"));
  s = env.compile_error(repeat("(", 4096));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  s = env.compile_error(repeat("(", 65) + "1" + repeat(")", 65));
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  s = env.compile_error(repeat("abs(", 500) + "1" + repeat(")", 500));
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  s = env.compile_error(repeat("if(true, ", 200) + "1" + repeat(", 2)", 200));
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
}

TEST(Expression, DeepNotFailsCleanly) {
  Env env;
  Status s = env.compile_error(repeat("not ", 10000) + "true");
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.to_string();
  s = env.compile_error(repeat("not ", 1000) + "true");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  s = env.compile_error(repeat("not ", 65) + "true");
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  EXPECT_EQ(env.run(repeat("not ", 60) + "true"), "true");
  EXPECT_EQ(env.run(repeat("not ", 59) + "true"), "false");
}

TEST(Expression, DeepUnaryMinusFailsCleanly) {
  Env env;
  Status s = env.compile_error(repeat("-", 100000) + "1");
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.to_string();
  s = env.compile_error(repeat("-", 4000) + "1");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  s = env.compile_error(repeat("- ", 2000) + "1");
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  s = env.compile_error(repeat("-", 65) + "1");
  EXPECT_THAT(s.message(), HasSubstr("trop imbriquée"));
  EXPECT_EQ(env.run(repeat("-", 60) + "1"), "1");
  EXPECT_EQ(env.run(repeat("-", 59) + "1"), "-1");
}

TEST(Expression, NestingUpToTheDocumentedDepthCompiles) {
  Env env;
  const int levels = 60;
  EXPECT_EQ(env.run(repeat("(", levels) + "1" + repeat(")", levels)), "1");
  EXPECT_EQ(env.run(repeat("abs(", levels) + "-1" + repeat(")", levels)), "1");
  EXPECT_EQ(env.run(repeat("if(true, ", levels) + "1" + repeat(", 2)", levels)), "1");
  EXPECT_EQ(env.run(repeat("(1 + ", levels) + "1" + repeat(")", levels)), "61");
}

TEST(Expression, LengthLimit) {
  Env env;
  // "1+1+...+1": 2048 ones in 4095 characters, then padded to exactly 4096.
  const std::string chain = "1" + repeat("+1", 2047);
  ASSERT_EQ(chain.size(), 4095u);
  EXPECT_EQ(env.run(chain), "2048");
  EXPECT_EQ(env.run(chain + " "), "2048");
  const Status s = env.compile_error(chain + "  ");
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.to_string();
  EXPECT_EQ(s.message(), "expression trop longue (4097 caractères, maximum 4096)");
  EXPECT_EQ(env.compile_error(std::string(4097, ' ')).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.compile_error(std::string(1 << 20, '1')).code(), StatusCode::kOutOfRange);
  // The limit counts every character, text literals included.
  EXPECT_EQ(env.run("'" + std::string(4094, 'a') + "'"), "'" + std::string(4094, 'a') + "'");
  EXPECT_EQ(env.run("'" + std::string(4000, 'a') + "' == '" + std::string(4000, 'a') + "'"),
            "compile error: expression trop longue (8008 caractères, maximum 4096)");
}

TEST(Expression, LongFlatChainsEvaluate) {
  Env env;
  EXPECT_EQ(env.run("1" + repeat(" * 1", 1023)), "1");
  EXPECT_EQ(env.run("2048" + repeat("-1", 2045)), "3");
  EXPECT_EQ(env.run("true" + repeat(" and true", 450)), "true");
  EXPECT_EQ(env.run("false" + repeat(" or false", 450) + " or true"), "true");
  EXPECT_EQ(env.run("min(" + repeat("1+", 1000) + "1, 5000)"), "1001");
  EXPECT_EQ(env.run("0.5" + repeat("+0.5", 1000)), "500.5");
}

TEST(Expression, HugeNumberLiteralsAreRefused) {
  Env env;
  expect_compile_error_at(env, "1234567890123456", 1, "nombre trop grand");
  expect_compile_error_at(env, "1 + 99999999999999999999999999999999999999999999", 5, "nombre trop grand");
  expect_compile_error_at(env, repeat("9", 4000), 1, "nombre trop grand");
  expect_compile_error_at(env, "0.1234567891", 1, "au plus 9 décimales");
  expect_compile_error_at(env, "1." + repeat("0", 3000) + "1", 1, "au plus 9 décimales");
  EXPECT_EQ(env.run("999999999999999"), "999999999999999");
  EXPECT_EQ(env.run("-999999999999999"), "-999999999999999");
  EXPECT_EQ(env.run("0.123456789"), "0.123456789");
  EXPECT_EQ(env.run("000000000000000000000000000001"), "1");  // leading zeros are not digits of size
}

TEST(Expression, HugeResultsAreOutOfRangeAtEvaluation) {
  Env env;
  const char* big = "999999999999999";
  const std::string square = std::string(big) + " * " + big;
  const std::string cube = square + " * " + big;
  EXPECT_EQ(env.eval_error(square).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error(cube).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error(big + repeat(std::string(" * ") + big, 200)).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("-" + square).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error(square + " > 0").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("1 / (" + square + ")").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("1 / 999999999999999 / 999999999999999").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("0.000000001 / 999999999999999 / 999999999999999").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("round(999999999999999 * 9000 / 7, 9)").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("999999999999999 * 9000 + 999999999999999 * 9000").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env.eval_error("-999999999999999 * 9000 - 999999999999999 * 9000").code(), StatusCode::kOutOfRange);
  EXPECT_THAT(env.eval_error(square).message(), HasSubstr("trop grand"));
  // Large but representable results are exact.
  EXPECT_EQ(env.run("999999999999999 * 9000"), "8999999999999991000");
  EXPECT_EQ(env.run("999999999999999 * 9000 / 9000"), "999999999999999");
  EXPECT_EQ(env.run("abs(-999999999999999 * 9000)"), "8999999999999991000");
}

// ---------------------------------------------------------------------------------------
// Stack: the deepest expressions the compiler accepts compile, evaluate and are destroyed in
// a thread with a 256 KiB stack (the sanitizers' frames included), so a grid cannot exhaust
// the stack of whichever thread evaluates it.

constexpr std::size_t kSmallStack = 256 * 1024;

// Runs `body` in a thread whose stack is `bytes` long and waits for it. An overflow crashes
// the test binary, which fails the test.
void run_with_stack(std::size_t bytes, const std::function<void()>& body) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, bytes), 0);
  pthread_t thread;
  auto entry = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  const int created = pthread_create(&thread, &attr, entry, const_cast<std::function<void()>*>(&body));
  pthread_attr_destroy(&attr);
  ASSERT_EQ(created, 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
}

// `levels` calls nested as deep as they go, each level a whole precedence ladder
// (or, and, a comparison, a sum, a product, a call), the innermost value 1.
std::string ladder(int levels) {
  std::string text = "1";
  for (int i = 0; i < levels; ++i) text = "1+1*if(false or true and 1==" + text + ",1,0)";
  return text;
}

std::string ladder_value(int levels) {
  int v = 1;
  for (int i = 0; i < levels; ++i) v = 1 + (v == 1 ? 1 : 0);
  return std::to_string(v);
}

TEST(Expression, DeepestLegalExpressionsRunInASmallStack) {
  Env env;
  // The limits: 4096 characters, and 64 levels of nesting counting the whole expression, so
  // 63 parentheses, calls or prefix operators inside it.
  constexpr int kDeepest = 63;
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Chains as long as the length limit allows, one node each.
      {"1" + repeat("+1", 2047), "2048"},
      {"1" + repeat("-1", 2047), "-2046"},
      {"1" + repeat("*1", 2047), "1"},
      {"1" + repeat("/1", 2047), "1"},
      {"1" + repeat("+1-1", 1023) + "+1", "2"},
      {"1" + repeat("*1+1", 1023), "1024"},
      {"true" + repeat(" and true", 454), "true"},
      {"false" + repeat(" or false", 454), "false"},
      {"null" + repeat(" or false", 454), "null"},
      // Nesting to the depth limit.
      {repeat("(", kDeepest) + "1" + repeat(")", kDeepest), "1"},
      {repeat("not ", kDeepest) + "true", "false"},
      {repeat("-", kDeepest) + "1", "-1"},
      {repeat("abs(", kDeepest) + "1" + repeat(")", kDeepest), "1"},
      {repeat("bracket(", kDeepest) + "1" + repeat(",1:1)", kDeepest), "1"},
      {ladder(kDeepest), ladder_value(kDeepest)},
      {repeat("(1+", kDeepest) + "1" + repeat(repeat("+1", 30) + ")", kDeepest), "1954"},
      // One level deeper is refused, from the bottom of the recursion.
      {repeat("(", kDeepest + 1) + "1" + repeat(")", kDeepest + 1), "trop imbriquée"},
      {repeat("not ", kDeepest + 1) + "true", "trop imbriquée"},
      {repeat("-", kDeepest + 1) + "1", "trop imbriquée"},
      {repeat("bracket(", kDeepest + 1) + "1" + repeat(",1:1)", kDeepest + 1), "trop imbriquée"},
      {ladder(kDeepest + 1), "trop imbriquée"},
  };
  std::vector<std::string> results;
  run_with_stack(kSmallStack, [&] {
    for (const auto& c : cases) results.push_back(env.run(c.first));
  });
  ASSERT_EQ(results.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_LE(cases[i].first.size(), 4096u) << i;
    if (cases[i].second == "trop imbriquée") {
      EXPECT_THAT(results[i], AllOf(StartsWith("compile error: colonne "), HasSubstr("trop imbriquée")))
          << "case " << i << ": " << cases[i].first.substr(0, 60);
    } else {
      EXPECT_EQ(results[i], cases[i].second) << "case " << i << ": " << cases[i].first.substr(0, 60);
    }
  }
}

TEST(Expression, CompiledExpressionsAreSharedAcrossThreads) {
  Env env;
  const int staff = env.add_table("personnel", {{"etp", ExprType::kNumber}});
  for (int i = 0; i < 50; ++i) env.add_row(staff, {num("0.5")});
  auto e = env.compile("sum(personnel, etp, etp > 0) / count(personnel) * 100 == 50");
  ASSERT_TRUE(e);
  const Expression shared = *e;
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        auto v = shared.evaluate(env);
        if (!v || v->is_null() || !v->as_bool()) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(wrong, ::testing::Each(0));
}

}  // namespace
}  // namespace carnet::core
