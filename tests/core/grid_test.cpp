#include "core/grid.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/status_matchers.hpp"

namespace carnet::core {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Number n(const char* text) { return *Number::parse(text); }

Item make_item(std::string key, ItemType type, std::string label = "Libellé") {
  Item it;
  it.key = std::move(key);
  it.type = type;
  it.label = std::move(label);
  return it;
}

Column make_column(std::string key, ItemType type) {
  Column c;
  c.key = std::move(key);
  c.label = "Colonne " + c.key;
  c.type = type;
  return c;
}

Norm make_norm(std::string id, std::string condition) {
  Norm nm;
  nm.id = std::move(id);
  nm.condition = std::move(condition);
  nm.reference = "art. 1";
  nm.requirement = "Exigence";
  return nm;
}

// A grid "test" v1 with one section "s" holding `items`.
GridDef one_section(std::vector<Item> items) {
  GridDef def;
  def.key = "test";
  def.version = 1;
  def.title = "Grille de test";
  Section s;
  s.key = "s";
  s.number = "I";
  s.title = "Section";
  s.items = std::move(items);
  def.sections.push_back(std::move(s));
  return def;
}

GridDef valid_grid() { return one_section({make_item("s.x", ItemType::kInteger)}); }

// The error of compiling `def`, which must fail.
Status compile_error(GridDef def) {
  auto g = Grid::compile(std::move(def));
  if (g) return Status::internal("coeur.grid_test.compilee");
  return g.error();
}

void expect_refused(GridDef def, const std::string& what) {
  const Status s = compile_error(std::move(def));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr(what)) << s.message();
}

// A grid with one item of every type, for parse_input and check_value.
class FieldsTest : public ::testing::Test {
 protected:
  FieldsTest() {
    Item entier = make_item("s.entier", ItemType::kInteger);
    entier.min = n("0");
    entier.max = n("100");
    Item pourcentage = make_item("s.pourcentage", ItemType::kPercent);
    pourcentage.min = n("0");
    pourcentage.max = n("100");
    Item minimum = make_item("s.minimum", ItemType::kDecimal);
    minimum.min = n("-1.5");
    Item choix = make_item("s.choix", ItemType::kChoice);
    choix.choices = {{"mensuel", "Tous les mois"}, {"annuel", "Une fois par an"}, {"jamais", "Jamais"}};
    Item tableau = make_item("s.tableau", ItemType::kTable);
    Column etp = make_column("etp", ItemType::kDecimal);
    etp.min = n("0");
    etp.max = n("2");
    Column fonction = make_column("fonction", ItemType::kChoice);
    fonction.choices = {{"educateur", "Éducateur"}, {"directeur", "Directeur"}};
    tableau.columns = {make_column("nom", ItemType::kText), etp, fonction};
    Item calcule = make_item("s.calcule", ItemType::kDecimal);
    calcule.calculate = "s.decimal * 2";
    auto g = Grid::compile(one_section({
        make_item("s.oui_non", ItemType::kYesNo),
        make_item("s.coche", ItemType::kCheck),
        entier,
        make_item("s.decimal", ItemType::kDecimal),
        make_item("s.montant", ItemType::kMoney),
        pourcentage,
        minimum,
        make_item("s.date", ItemType::kDate),
        make_item("s.texte", ItemType::kText),
        choix,
        tableau,
        make_item("s.photo", ItemType::kPhoto),
        calcule,
    }));
    if (!g) throw std::runtime_error(g.error().to_string());
    grid_ = *g;
  }

  int item(const char* key) const { return *grid_->find_item(key); }

  // What parse_input gives for `text`, written as Value::encode() does, "null", or the
  // error code and message.
  std::string input(const char* key, std::string_view text) const {
    auto v = grid_->parse_input(item(key), text);
    if (!v) return std::string(status_code_name(v.error().code())) + ": " + v.error().message();
    return v->is_null() ? "null" : v->encode();
  }
  std::string cell(const char* column, std::string_view text) const {
    const int table = item("s.tableau");
    auto v = grid_->parse_cell(table, *grid_->find_column(table, column), text);
    if (!v) return std::string(status_code_name(v.error().code())) + ": " + v.error().message();
    return v->is_null() ? "null" : v->encode();
  }
  Status check(const char* key, const Value& v) const { return grid_->check_value(item(key), v); }

  std::shared_ptr<const Grid> grid_;
};

// ---------------------------------------------------------------------------------------
// Grid::compile

TEST(Grid, CompilesAWellFormedGrid) {
  GridDef def = one_section({make_item("s.places", ItemType::kInteger), make_item("s.nuits", ItemType::kInteger)});
  def.params.push_back({"seuil", n("80"), "Seuil", "art. 94"});
  Item taux = make_item("s.taux", ItemType::kPercent);
  taux.calculate = "s.nuits / (s.places * 365) * 100";
  taux.norms.push_back(make_norm("s.taux_min", "s.taux >= seuil"));
  def.sections[0].items.push_back(taux);
  Section other;
  other.key = "autre";
  other.title = "Autre";
  Item t = make_item("autre.personnel", ItemType::kTable);
  t.columns = {make_column("nom", ItemType::kText), make_column("etp", ItemType::kDecimal)};
  t.norms.push_back(make_norm("autre.etp", "sum(autre.personnel, etp) >= 1"));
  Item remarque = make_item("autre.remarque", ItemType::kText);
  remarque.relevant = "s.taux < seuil";
  other.items = {t, remarque};
  def.sections.push_back(other);

  auto g = Grid::compile(def);
  ASSERT_OK(g);
  const Grid& grid = **g;
  EXPECT_EQ(grid.key(), "test");
  EXPECT_EQ(grid.version(), 1);
  EXPECT_EQ(grid.item_count(), 5);
  EXPECT_EQ(grid.find_item("s.places"), 0);
  EXPECT_EQ(grid.find_item("s.taux"), 2);
  EXPECT_EQ(grid.find_item("autre.remarque"), 4);
  EXPECT_FALSE(grid.find_item("places"));
  EXPECT_FALSE(grid.find_item("s.inconnu"));
  EXPECT_EQ(grid.item(2).key, "s.taux");
  EXPECT_EQ(grid.section_of(2), 0);
  EXPECT_EQ(grid.section_of(3), 1);
  EXPECT_EQ(grid.find_section("autre"), 1);
  EXPECT_FALSE(grid.find_section("x"));
  EXPECT_EQ(grid.find_column(3, "etp"), 1);
  EXPECT_FALSE(grid.find_column(3, "inconnue"));
  EXPECT_TRUE(grid.calculate(2));
  EXPECT_FALSE(grid.calculate(0));
  EXPECT_TRUE(grid.relevant(4));
  EXPECT_FALSE(grid.relevant(2));
  ASSERT_EQ(grid.norms().size(), 2u);
  EXPECT_EQ(grid.norms()[0].norm->id, "s.taux_min");
  EXPECT_EQ(grid.norms()[0].item, 2);
  EXPECT_EQ(grid.norms()[1].norm->id, "autre.etp");
  EXPECT_EQ(grid.norms()[1].item, 3);
  EXPECT_EQ(grid.def().title, "Grille de test");
}

TEST(Grid, ErrorsNameTheGridAndVersion) {
  GridDef def = valid_grid();
  def.sections[0].items[0].label = "";
  const Status s = compile_error(def);
  EXPECT_EQ(s.message(), "grille test v1 : item s.x : libellé manquant");
}

TEST(Grid, GridKeyVersionAndTitle) {
  for (const char* bad : {"", "Test", "test grid", "test_grid", "test.grid", "tést", "test/"}) {
    GridDef def = valid_grid();
    def.key = bad;
    expect_refused(def, "clé de grille invalide");
  }
  GridDef long_key = valid_grid();
  long_key.key = std::string(65, 'a');
  expect_refused(long_key, "clé de grille invalide");
  for (const char* good : {"maison-accueil", "cpas-art60-61", "a", "2024"}) {
    GridDef def = valid_grid();
    def.key = good;
    EXPECT_OK(Grid::compile(def)) << good;
  }
  GridDef longest = valid_grid();
  longest.key = std::string(64, 'a');
  EXPECT_OK(Grid::compile(longest));

  for (int version : {0, -1}) {
    GridDef def = valid_grid();
    def.version = version;
    expect_refused(def, "la version doit être un entier positif");
  }
  GridDef no_title = valid_grid();
  no_title.title = "";
  expect_refused(no_title, "titre manquant");
}

TEST(Grid, Parameters) {
  for (const char* bad : {"", "Seuil", "1seuil", "seuil.min", "seuil-min", "date_visite", "_seuil"}) {
    GridDef def = valid_grid();
    def.params.push_back({bad, n("1"), "", ""});
    expect_refused(def, "paramètre : nom invalide");
  }
  GridDef dup = valid_grid();
  dup.params.push_back({"seuil", n("1"), "", ""});
  dup.params.push_back({"seuil", n("2"), "", ""});
  expect_refused(dup, "paramètre en double « seuil »");
}

TEST(Grid, ParametersAreUsableInExpressions) {
  GridDef def = valid_grid();
  def.params.push_back({"coefficient_index", n("1.3196"), "Coefficient", ""});
  Item indexed = make_item("s.indexe", ItemType::kMoney);
  indexed.calculate = "s.x * coefficient_index";
  def.sections[0].items.push_back(indexed);
  EXPECT_OK(Grid::compile(def));
}

TEST(Grid, ReservedWordsAreNotNames) {
  for (const char* word : {"true", "false", "null", "and", "or", "not"}) {
    GridDef def = valid_grid();
    def.params.push_back({word, n("1"), "", ""});
    expect_refused(def, "paramètre : nom invalide");
    Item t = make_item("s.t", ItemType::kTable);
    t.columns = {make_column(word, ItemType::kDecimal)};
    expect_refused(one_section({t}), "colonne invalide");
  }
}

TEST(Grid, Sections) {
  for (const char* bad : {"", "S", "1s", "s.t", "remarques", "recommandations", "é"}) {
    GridDef def = valid_grid();
    def.sections[0].key = bad;
    expect_refused(def, "section : clé invalide");
  }
  GridDef too_long = one_section({});
  too_long.sections[0].key = std::string(81, 's');
  expect_refused(too_long, "section : clé invalide");
  GridDef dup = valid_grid();
  dup.sections.push_back(dup.sections[0]);
  dup.sections[1].items.clear();
  expect_refused(dup, "section en double « s »");
  GridDef no_title = valid_grid();
  no_title.sections[0].title = "";
  expect_refused(no_title, "section s : titre manquant");
  EXPECT_OK(Grid::compile(one_section({})));  // an empty section is allowed
}

TEST(Grid, ItemKeys) {
  for (const char* bad : {"x", "t.x", "s.", "s.X", "s.x-y", "s.x y", "S.x", "s", "sx", "s.é"}) {
    expect_refused(one_section({make_item(bad, ItemType::kText)}), "la clé doit être « s.nom »");
  }
  EXPECT_OK(Grid::compile(one_section({make_item("s.nb_wc_2", ItemType::kText)})));
  EXPECT_OK(Grid::compile(one_section({make_item("s.batiment.nb_wc", ItemType::kText)})));
  expect_refused(one_section({make_item("s." + std::string(79, 'x'), ItemType::kText)}), "la clé doit être");
  expect_refused(one_section({make_item("s.x", ItemType::kText), make_item("s.x", ItemType::kInteger)}),
                 "item en double « s.x »");
  expect_refused(one_section({make_item("s.x", ItemType::kText, "")}), "item s.x : libellé manquant");
}

TEST(Grid, Choices) {
  expect_refused(one_section({make_item("s.c", ItemType::kChoice)}), "item s.c : un choix sans options");
  for (const char* bad : {"", "A", "a b", "1a", "a-b", "é"}) {
    Item c = make_item("s.c", ItemType::kChoice);
    c.choices = {{"ok", "OK"}, {bad, "Mauvais"}};
    expect_refused(one_section({c}), "option invalide ou en double");
  }
  Item dup = make_item("s.c", ItemType::kChoice);
  dup.choices = {{"oui", "Oui"}, {"oui", "Encore oui"}};
  expect_refused(one_section({dup}), "option invalide ou en double « oui »");
  Item not_choice = make_item("s.t", ItemType::kText);
  not_choice.choices = {{"oui", "Oui"}};
  expect_refused(one_section({not_choice}), "item s.t : des options sur un item qui n'est pas un choix");
}

TEST(Grid, Tables) {
  expect_refused(one_section({make_item("s.t", ItemType::kTable)}), "item s.t : un tableau sans colonnes");
  for (const char* bad : {"", "Nom", "1nom", "n.om", "n-om"}) {
    Item t = make_item("s.t", ItemType::kTable);
    t.columns = {make_column("ok", ItemType::kText), make_column(bad, ItemType::kText)};
    expect_refused(one_section({t}), "colonne invalide ou en double");
  }
  Item dup = make_item("s.t", ItemType::kTable);
  dup.columns = {make_column("nom", ItemType::kText), make_column("nom", ItemType::kInteger)};
  expect_refused(one_section({dup}), "colonne invalide ou en double « nom »");
  Item nested = make_item("s.t", ItemType::kTable);
  nested.columns = {make_column("sous", ItemType::kTable)};
  expect_refused(one_section({nested}), "item s.t : un tableau dans un tableau");
  Item empty_choice = make_item("s.t", ItemType::kTable);
  empty_choice.columns = {make_column("c", ItemType::kChoice)};
  expect_refused(one_section({empty_choice}), "item s.t : colonne c : un choix sans options");
  Item bounds = make_item("s.t", ItemType::kTable);
  Column etp = make_column("etp", ItemType::kDecimal);
  etp.min = n("2");
  etp.max = n("1");
  bounds.columns = {etp};
  expect_refused(one_section({bounds}), "item s.t : colonne etp : min > max");
  Item not_table = make_item("s.x", ItemType::kInteger);
  not_table.columns = {make_column("nom", ItemType::kText)};
  expect_refused(one_section({not_table}), "item s.x : des colonnes sur un item qui n'est pas un tableau");
}

TEST(Grid, ChoiceColumnsFollowTheRulesOfChoiceItems) {
  Item dup = make_item("s.t", ItemType::kTable);
  Column c = make_column("c", ItemType::kChoice);
  c.choices = {{"a", "A"}, {"a", "Encore A"}};
  dup.columns = {c};
  expect_refused(one_section({dup}), "option invalide ou en double");
  Item bad = make_item("s.t", ItemType::kTable);
  c.choices = {{"A B", "A B"}};
  bad.columns = {c};
  expect_refused(one_section({bad}), "option invalide ou en double");
  Item text = make_item("s.t", ItemType::kTable);
  Column t = make_column("texte", ItemType::kText);
  t.choices = {{"a", "A"}};
  text.columns = {t};
  expect_refused(one_section({text}), "des options sur");
}

TEST(Grid, MaxRowsIsClamped) {
  for (const auto& [given, kept] : std::vector<std::pair<int, int>>{{0, 200}, {-5, 200}, {1, 1}, {50, 50},
                                                                   {1000, 1000}, {1001, 1000}, {5000, 1000}}) {
    Item t = make_item("s.t", ItemType::kTable);
    t.columns = {make_column("nom", ItemType::kText)};
    t.max_rows = given;
    auto g = Grid::compile(one_section({t}));
    ASSERT_OK(g);
    EXPECT_EQ((*g)->item(0).max_rows, kept) << given;
  }
  EXPECT_EQ(kMaxTableRows, 1000);
}

TEST(Grid, Bounds) {
  Item bad = make_item("s.x", ItemType::kDecimal);
  bad.min = n("10");
  bad.max = n("9.99");
  expect_refused(one_section({bad}), "item s.x : min > max");
  Item equal = make_item("s.x", ItemType::kDecimal);
  equal.min = n("10");
  equal.max = n("10");
  EXPECT_OK(Grid::compile(one_section({equal})));
}

TEST(Grid, CalculatedItems) {
  Item table = make_item("s.t", ItemType::kTable);
  table.columns = {make_column("nom", ItemType::kText)};
  table.calculate = "1";
  expect_refused(one_section({table}), "item s.t : un tableau ou une photo ne peut pas être calculé");
  Item photo = make_item("s.p", ItemType::kPhoto);
  photo.calculate = "'abc'";
  expect_refused(one_section({photo}), "item s.p : un tableau ou une photo ne peut pas être calculé");

  Item wrong_type = make_item("s.x", ItemType::kDecimal);
  wrong_type.calculate = "'abc'";
  const Status s = compile_error(one_section({wrong_type}));
  EXPECT_EQ(s.message(), "grille test v1 : item s.x, calculate : colonne 1 : l'expression donne un texte, attendu nombre");

  Item unknown = make_item("s.x", ItemType::kDecimal);
  unknown.calculate = "1 + s.y";
  EXPECT_EQ(compile_error(one_section({unknown})).message(),
            "grille test v1 : item s.x, calculate : colonne 5 : nom inconnu « s.y »");

  Item yes_no = make_item("s.yn", ItemType::kYesNo);
  yes_no.calculate = "if(true, 'oui', 'non')";
  Item check = make_item("s.c", ItemType::kCheck);
  check.calculate = "1 > 0";
  Item when = make_item("s.d", ItemType::kDate);
  when.calculate = "add_months(date_visite, 6)";
  EXPECT_OK(Grid::compile(one_section({yes_no, check, when})));
}

TEST(Grid, RelevantMustBeBoolean) {
  Item x = make_item("s.x", ItemType::kText);
  x.relevant = "1 + 1";
  const Status s = compile_error(one_section({x}));
  EXPECT_EQ(s.message(), "grille test v1 : item s.x, relevant : colonne 1 : l'expression donne un nombre, attendu booléen");
  x.relevant = "s.x == 'oui' and";
  EXPECT_THAT(compile_error(one_section({x})).message(),
              StartsWith("grille test v1 : item s.x, relevant : colonne 17 : "));
}

TEST(Grid, Norms) {
  auto with_norm = [](Norm nm) {
    Item x = make_item("s.x", ItemType::kInteger);
    x.norms.push_back(std::move(nm));
    return one_section({x});
  };
  for (const char* bad : {"", "N1", "1n", "n-1", "n 1"}) {
    expect_refused(with_norm(make_norm(bad, "true")), "identifiant de norme invalide ou en double");
  }
  EXPECT_OK(Grid::compile(with_norm(make_norm("s.x.min", "s.x >= 0"))));

  Item a = make_item("s.a", ItemType::kInteger);
  a.norms.push_back(make_norm("n1", "true"));
  Item b = make_item("s.b", ItemType::kInteger);
  b.norms.push_back(make_norm("n1", "true"));
  expect_refused(one_section({a, b}), "item s.b : identifiant de norme invalide ou en double « n1 »");

  Norm no_ref = make_norm("n1", "true");
  no_ref.reference = "";
  expect_refused(with_norm(no_ref), "item s.x, norme n1 : référence légale manquante");
  Norm no_req = make_norm("n1", "true");
  no_req.requirement = "";
  expect_refused(with_norm(no_req), "item s.x, norme n1 : exigence manquante");

  EXPECT_EQ(compile_error(with_norm(make_norm("n1", ""))).message(),
            "grille test v1 : item s.x, norme n1, condition : colonne 1 : valeur attendue, trouvé « fin »");
  EXPECT_EQ(compile_error(with_norm(make_norm("n1", "s.x + 1"))).message(),
            "grille test v1 : item s.x, norme n1, condition : colonne 1 : l'expression donne un nombre, attendu booléen");

  Norm when = make_norm("n1", "true");
  when.when = "s.x";
  EXPECT_EQ(compile_error(with_norm(when)).message(),
            "grille test v1 : item s.x, norme n1, when : colonne 1 : l'expression donne un nombre, attendu booléen");
}

TEST(Grid, NormDetailTemplates) {
  auto with_detail = [](std::string detail) {
    Item x = make_item("s.x", ItemType::kInteger);
    Norm nm = make_norm("n1", "s.x > 0");
    nm.detail = std::move(detail);
    x.norms.push_back(nm);
    return one_section({x});
  };
  auto g = Grid::compile(with_detail("valeur {s.x} pour {s.x * 2} attendus"));
  ASSERT_OK(g);
  const Template& t = (*g)->norms()[0].detail;
  ASSERT_EQ(t.parts.size(), 5u);
  EXPECT_EQ(t.parts[0].text, "valeur ");
  EXPECT_FALSE(t.parts[0].expr);
  EXPECT_TRUE(t.parts[1].expr);
  EXPECT_EQ(t.parts[1].expr->text(), "s.x");
  EXPECT_EQ(t.parts[2].text, " pour ");
  EXPECT_EQ(t.parts[3].expr->text(), "s.x * 2");
  EXPECT_EQ(t.parts[4].text, " attendus");

  auto plain = Grid::compile(with_detail("sans figure"));
  ASSERT_OK(plain);
  ASSERT_EQ((*plain)->norms()[0].detail.parts.size(), 1u);
  auto empty = Grid::compile(with_detail(""));
  ASSERT_OK(empty);
  EXPECT_TRUE((*empty)->norms()[0].detail.parts.empty());

  EXPECT_EQ(compile_error(with_detail("valeur {s.x")).message(),
            "grille test v1 : item s.x, norme n1, detail : accolade « { » non fermée à la position 8");
  EXPECT_EQ(compile_error(with_detail("valeur {s.y}")).message(),
            "grille test v1 : item s.x, norme n1, detail : {s.y} : colonne 1 : nom inconnu « s.y »");
  EXPECT_THAT(compile_error(with_detail("{}")).message(), HasSubstr("valeur attendue"));
}

TEST(Grid, RefusesCircularCalculations) {
  Item self = make_item("s.a", ItemType::kDecimal);
  self.calculate = "s.a + 1";
  expect_refused(one_section({self}), "item s.a : calcul circulaire");

  Item a = make_item("s.a", ItemType::kDecimal);
  a.calculate = "s.b + 1";
  Item b = make_item("s.b", ItemType::kDecimal);
  b.calculate = "s.c * 2";
  Item c = make_item("s.c", ItemType::kDecimal);
  c.calculate = "if(s.a > 0, 1, 0)";
  expect_refused(one_section({a, b, c}), "calcul circulaire");

  // Through a table walk.
  Item t = make_item("s.t", ItemType::kTable);
  t.columns = {make_column("etp", ItemType::kDecimal)};
  Item total = make_item("s.total", ItemType::kDecimal);
  total.calculate = "sum(s.t, etp, etp < s.total)";
  expect_refused(one_section({t, total}), "item s.total : calcul circulaire");

  // A chain, and a diamond, are fine.
  Item base = make_item("s.base", ItemType::kDecimal);
  Item d1 = make_item("s.d1", ItemType::kDecimal);
  d1.calculate = "s.base * 2";
  Item d2 = make_item("s.d2", ItemType::kDecimal);
  d2.calculate = "s.base * 3";
  Item top = make_item("s.top", ItemType::kDecimal);
  top.calculate = "s.d1 + s.d2 + s.base";
  EXPECT_OK(Grid::compile(one_section({top, d1, d2, base})));
}

TEST(Grid, ExpressionsSeeColumnsOnlyInTableWalks) {
  Item t = make_item("s.t", ItemType::kTable);
  t.columns = {make_column("etp", ItemType::kDecimal), make_column("nom", ItemType::kText)};
  Item total = make_item("s.total", ItemType::kDecimal);
  total.calculate = "sum(s.t, etp, nom != 'x') + count(s.t, etp > 0.5)";
  EXPECT_OK(Grid::compile(one_section({t, total})));
  total.calculate = "etp";
  expect_refused(one_section({t, total}), "nom inconnu « etp »");
  total.calculate = "s.t";
  expect_refused(one_section({t, total}), "« s.t » est un tableau");
}

TEST(Grid, ItemTypeNamesAndExpressionTypes) {
  EXPECT_EQ(item_type_name(ItemType::kYesNo), "oui/non/sans objet");
  EXPECT_EQ(item_type_name(ItemType::kInteger), "nombre entier");
  EXPECT_EQ(item_type_name(ItemType::kMoney), "montant en euros");
  EXPECT_EQ(item_type_name(ItemType::kTable), "tableau");
  EXPECT_EQ(expr_type_of(ItemType::kYesNo), ExprType::kText);
  EXPECT_EQ(expr_type_of(ItemType::kCheck), ExprType::kBool);
  for (ItemType t : {ItemType::kInteger, ItemType::kDecimal, ItemType::kMoney, ItemType::kPercent}) {
    EXPECT_EQ(expr_type_of(t), ExprType::kNumber);
  }
  EXPECT_EQ(expr_type_of(ItemType::kDate), ExprType::kDate);
  EXPECT_EQ(expr_type_of(ItemType::kText), ExprType::kText);
  EXPECT_EQ(expr_type_of(ItemType::kChoice), ExprType::kText);
  EXPECT_EQ(expr_type_of(ItemType::kPhoto), ExprType::kText);
  EXPECT_EQ(expr_type_of(ItemType::kTable), ExprType::kTable);
}

// ---------------------------------------------------------------------------------------
// parse_input, per item type

TEST_F(FieldsTest, EmptyOrBlankInputIsNull) {
  for (const char* key : {"s.oui_non", "s.coche", "s.entier", "s.decimal", "s.montant", "s.pourcentage",
                          "s.date", "s.texte", "s.choix", "s.photo"}) {
    EXPECT_EQ(input(key, ""), "null") << key;
    EXPECT_EQ(input(key, "  \t\n"), "null") << key;
  }
}

TEST_F(FieldsTest, YesNo) {
  for (const char* yes : {"oui", "OUI", "Oui", "o", "O", "yes", " oui "}) EXPECT_EQ(input("s.oui_non", yes), "t:oui") << yes;
  for (const char* no : {"non", "NON", "n", "no", "No"}) EXPECT_EQ(input("s.oui_non", no), "t:non") << no;
  for (const char* so : {"so", "SO", "sans objet", "Sans Objet", "na", "NA"}) EXPECT_EQ(input("s.oui_non", so), "t:so") << so;
  EXPECT_EQ(input("s.oui_non", "peut-être"),
            "invalid_argument: s.oui_non : « peut-être » — répondre oui, non ou so (sans objet)");
  EXPECT_THAT(input("s.oui_non", "1"), StartsWith("invalid_argument"));
  EXPECT_THAT(input("s.oui_non", "ouii"), StartsWith("invalid_argument"));
}

TEST_F(FieldsTest, Check) {
  for (const char* on : {"x", "X", "1", "true", "TRUE", "oui", "Oui"}) EXPECT_EQ(input("s.coche", on), "b:1") << on;
  for (const char* off : {"0", "false", "non", "NON"}) EXPECT_EQ(input("s.coche", off), "b:0") << off;
  EXPECT_EQ(input("s.coche", "peut-être"), "invalid_argument: s.coche : « peut-être » — cocher par oui ou non");
  EXPECT_THAT(input("s.coche", "2"), StartsWith("invalid_argument"));
}

TEST_F(FieldsTest, Integer) {
  EXPECT_EQ(input("s.entier", "12"), "n:12");
  EXPECT_EQ(input("s.entier", " 12 "), "n:12");
  EXPECT_EQ(input("s.entier", "012"), "n:12");
  EXPECT_EQ(input("s.entier", "12,0"), "n:12");
  EXPECT_EQ(input("s.entier", "0"), "n:0");      // min, inclusive
  EXPECT_EQ(input("s.entier", "100"), "n:100");  // max, inclusive
  EXPECT_EQ(input("s.entier", "12,5"), "invalid_argument: s.entier : un nombre entier est attendu");
  EXPECT_EQ(input("s.entier", "101"), "out_of_range: s.entier : 101 hors limites (de 0 à 100)");
  EXPECT_EQ(input("s.entier", "-1"), "out_of_range: s.entier : -1 hors limites (de 0 à 100)");
  EXPECT_EQ(input("s.entier", "abc"), "invalid_argument: s.entier : « abc » n'est pas un nombre");
  EXPECT_THAT(input("s.entier", "1e3"), StartsWith("invalid_argument"));
  EXPECT_THAT(input("s.entier", "1 000"), StartsWith("invalid_argument"));
  EXPECT_THAT(input("s.entier", "1234567890123456"), StartsWith("out_of_range: s.entier : "));
}

TEST_F(FieldsTest, DecimalMoneyAndPercent) {
  EXPECT_EQ(input("s.decimal", "12,5"), "n:12.5");
  EXPECT_EQ(input("s.decimal", "12.5"), "n:12.5");
  EXPECT_EQ(input("s.decimal", "-0,001"), "n:-0.001");
  EXPECT_EQ(input("s.decimal", "0,123456789"), "n:0.123456789");
  EXPECT_THAT(input("s.decimal", "0,1234567891"), StartsWith("out_of_range: s.decimal : "));
  EXPECT_THAT(input("s.decimal", "1,2,3"), StartsWith("invalid_argument"));
  EXPECT_EQ(input("s.minimum", "-1,5"), "n:-1.5");
  EXPECT_EQ(input("s.minimum", "-1,51"), "out_of_range: s.minimum : -1,51 hors limites (minimum -1,5)");
  EXPECT_EQ(input("s.minimum", "999999999999999"), "n:999999999999999");  // no maximum

  EXPECT_EQ(input("s.montant", "12,50 €"), "n:12.5");
  EXPECT_EQ(input("s.montant", "12,50€"), "n:12.5");
  EXPECT_EQ(input("s.montant", "1250"), "n:1250");
  EXPECT_EQ(input("s.montant", "-3,2"), "n:-3.2");
  EXPECT_EQ(input("s.montant", "12,345"), "invalid_argument: s.montant : un montant a au plus 2 décimales");
  EXPECT_THAT(input("s.montant", "€"), StartsWith("invalid_argument"));
  EXPECT_THAT(input("s.montant", "12 EUR"), StartsWith("invalid_argument"));

  EXPECT_EQ(input("s.pourcentage", "80 %"), "n:80");
  EXPECT_EQ(input("s.pourcentage", "80%"), "n:80");
  EXPECT_EQ(input("s.pourcentage", "79,45"), "n:79.45");
  EXPECT_EQ(input("s.pourcentage", "100"), "n:100");
  EXPECT_EQ(input("s.pourcentage", "100,5 %"), "out_of_range: s.pourcentage : 100,5 hors limites (de 0 à 100)");
  EXPECT_THAT(input("s.pourcentage", "%"), StartsWith("invalid_argument"));
}

TEST_F(FieldsTest, Date) {
  EXPECT_EQ(input("s.date", "01/03/2024"), "d:2024-03-01");
  EXPECT_EQ(input("s.date", "2024-03-01"), "d:2024-03-01");
  EXPECT_EQ(input("s.date", " 29/02/2024 "), "d:2024-02-29");
  EXPECT_EQ(input("s.date", "31/02/2024"),
            "invalid_argument: s.date : « 31/02/2024 » n'est pas une date valide (1900 à 2199)");
  EXPECT_THAT(input("s.date", "29/02/2023"), StartsWith("invalid_argument: s.date : "));
  EXPECT_THAT(input("s.date", "1/3/2024"), StartsWith("invalid_argument: s.date : "));
  EXPECT_THAT(input("s.date", "demain"), StartsWith("invalid_argument: s.date : "));
  EXPECT_THAT(input("s.date", "01/01/1899"), StartsWith("invalid_argument: s.date : "));
}

TEST_F(FieldsTest, Text) {
  EXPECT_EQ(input("s.texte", "Chambres propres"), "t:Chambres propres");
  EXPECT_EQ(input("s.texte", "ligne 1\nligne 2\r\n\tfin"), "t:ligne 1\nligne 2\r\n\tfin");
  EXPECT_EQ(input("s.texte", "Crèche « Les P'tits Loups » 🏠"), "t:Crèche « Les P'tits Loups » 🏠");
  EXPECT_EQ(input("s.texte", std::string(kMaxTextBytes, 'a')), "t:" + std::string(kMaxTextBytes, 'a'));
  EXPECT_EQ(input("s.texte", std::string(kMaxTextBytes + 1, 'a')),
            "out_of_range: s.texte : texte trop long (maximum 10 000 octets)");
  std::string accents;
  for (std::size_t i = 0; i < kMaxTextBytes / 2; ++i) accents += "é";  // 2 bytes each: the limit is in bytes
  EXPECT_EQ(input("s.texte", accents), "t:" + accents);
  EXPECT_THAT(input("s.texte", accents + "e"), StartsWith("out_of_range"));
}

TEST_F(FieldsTest, TextMustBeValidUtf8WithoutControlCharacters) {
  const std::string refused = "invalid_argument: s.texte : texte invalide (UTF-8 attendu, sans caractère de contrôle)";
  EXPECT_EQ(input("s.texte", "Cr\xE8" "che"), refused);  // Latin-1
  EXPECT_EQ(input("s.texte", "a\xC3\x28"), refused);
  EXPECT_EQ(input("s.texte", "a\xC0\xAF"), refused);     // overlong
  EXPECT_EQ(input("s.texte", "a\xED\xA0\x80"), refused); // surrogate
  EXPECT_EQ(input("s.texte", "a\xF4\x90\x80\x80"), refused);
  EXPECT_EQ(input("s.texte", "fin\xC3"), refused);       // truncated
  EXPECT_EQ(input("s.texte", std::string("a\0b", 3)), refused);
  EXPECT_EQ(input("s.texte", "a\x1B[2Jb"), refused);
  EXPECT_EQ(input("s.texte", "a\x7F"), refused);
}

TEST_F(FieldsTest, Choice) {
  EXPECT_EQ(input("s.choix", "mensuel"), "t:mensuel");
  EXPECT_EQ(input("s.choix", " annuel "), "t:annuel");
  EXPECT_EQ(input("s.choix", "Tous les mois"), "t:mensuel");  // the label
  EXPECT_EQ(input("s.choix", "TOUS LES MOIS"), "t:mensuel");
  EXPECT_EQ(input("s.choix", "une fois par an"), "t:annuel");
  EXPECT_EQ(input("s.choix", "Jamais"), "t:jamais");
  EXPECT_EQ(input("s.choix", "hebdomadaire"),
            "invalid_argument: s.choix : « hebdomadaire » n'est pas un choix possible (mensuel, annuel, jamais)");
  EXPECT_THAT(input("s.choix", "Tous les"), StartsWith("invalid_argument"));
}

TEST_F(FieldsTest, ChoiceValuesIgnoreCaseLikeLabels) {
  EXPECT_EQ(input("s.choix", "MENSUEL"), "t:mensuel");
  EXPECT_EQ(input("s.choix", "Annuel"), "t:annuel");
}

TEST_F(FieldsTest, Photo) {
  const std::string sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(input("s.photo", sha), "t:" + sha);
  EXPECT_EQ(input("s.photo", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"), "t:" + sha);
  EXPECT_EQ(input("s.photo", " " + sha + " "), "t:" + sha);
  const std::string refused =
      "invalid_argument: s.photo : une empreinte SHA-256 (64 caractères hexadécimaux) est attendue";
  EXPECT_EQ(input("s.photo", sha.substr(1)), refused);
  EXPECT_EQ(input("s.photo", sha + "0"), refused);
  EXPECT_EQ(input("s.photo", "photo.jpg"), refused);
  EXPECT_EQ(input("s.photo", "g" + sha.substr(1)), refused);
}

TEST_F(FieldsTest, TablesAndComputedItemsAreNotTyped) {
  EXPECT_EQ(input("s.tableau", "x"),
            "invalid_argument: s.tableau est un tableau : ajouter une ligne avec s.tableau[+].colonne=valeur");
  EXPECT_EQ(input("s.calcule", "12"),
            "invalid_argument: s.calcule est calculé automatiquement et ne peut pas être saisi");
  EXPECT_EQ(input("s.calcule", ""),
            "invalid_argument: s.calcule est calculé automatiquement et ne peut pas être saisi");
}

TEST_F(FieldsTest, Cells) {
  EXPECT_EQ(cell("nom", "Dupont, Marie"), "t:Dupont, Marie");
  EXPECT_EQ(cell("nom", ""), "null");
  EXPECT_EQ(cell("etp", "0,5"), "n:0.5");
  EXPECT_EQ(cell("etp", "2"), "n:2");
  EXPECT_EQ(cell("etp", "2,5"), "out_of_range: s.tableau[etp] : 2,5 hors limites (de 0 à 2)");
  EXPECT_EQ(cell("etp", "x"), "invalid_argument: s.tableau[etp] : « x » n'est pas un nombre");
  EXPECT_EQ(cell("fonction", "Éducateur"), "t:educateur");
  EXPECT_EQ(cell("fonction", "directeur"), "t:directeur");
  EXPECT_THAT(cell("fonction", "cuisinier"), StartsWith("invalid_argument: s.tableau[fonction] : "));
  EXPECT_THAT(cell("nom", std::string("a\0b", 3)), StartsWith("invalid_argument: s.tableau[nom] : "));
}

// ---------------------------------------------------------------------------------------
// check_value: values typed elsewhere (another node, a file)

TEST_F(FieldsTest, CheckValueAcceptsWhatFits) {
  EXPECT_OK(check("s.oui_non", Value::text("so")));
  EXPECT_OK(check("s.coche", Value::boolean(false)));
  EXPECT_OK(check("s.entier", Value::number(n("100"))));
  EXPECT_OK(check("s.decimal", Value::number(*Number::div(n("1"), n("3")))));
  EXPECT_OK(check("s.montant", Value::number(n("12.34"))));
  EXPECT_OK(check("s.date", Value::date(*Date::parse("2024-03-01"))));
  EXPECT_OK(check("s.texte", Value::text("")));
  EXPECT_OK(check("s.choix", Value::text("jamais")));
  EXPECT_OK(check("s.photo", Value::text(std::string(64, 'a'))));
  for (int i = 0; i < grid_->item_count(); ++i) {
    if (grid_->item(i).type == ItemType::kTable) continue;
    EXPECT_OK(grid_->check_value(i, Value())) << grid_->item(i).key;  // null clears any item
  }
}

TEST_F(FieldsTest, CheckValueRefusesTheWrongKind) {
  EXPECT_EQ(check("s.texte", Value::number(n("1"))).message(), "s.texte : valeur de type nombre, attendu texte");
  EXPECT_EQ(check("s.oui_non", Value::boolean(true)).message(),
            "s.oui_non : valeur de type booléen, attendu oui/non/sans objet");
  EXPECT_EQ(check("s.coche", Value::text("oui")).message(), "s.coche : valeur de type texte, attendu case à cocher");
  EXPECT_EQ(check("s.entier", Value::date(*Date::parse("2024-03-01"))).message(),
            "s.entier : valeur de type date, attendu nombre entier");
  EXPECT_EQ(check("s.date", Value::text("2024-03-01")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(check("s.choix", Value::boolean(true)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(check("s.photo", Value::number(n("1"))).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(grid_->check_value(item("s.tableau"), Value::text("x")).message(), "s.tableau est un tableau");
  EXPECT_EQ(grid_->check_value(item("s.tableau"), Value()).code(), StatusCode::kInvalidArgument);
}

TEST_F(FieldsTest, CheckValueRefusesWhatDoesNotFit) {
  EXPECT_EQ(check("s.oui_non", Value::text("OUI")).code(), StatusCode::kInvalidArgument);  // stored form only
  EXPECT_EQ(check("s.oui_non", Value::text("peut-être")).message(),
            "s.oui_non : répondre oui, non ou so (sans objet)");
  EXPECT_EQ(check("s.choix", Value::text("Tous les mois")).code(), StatusCode::kInvalidArgument);  // a label
  EXPECT_EQ(check("s.entier", Value::number(n("1.5"))).message(), "s.entier : un nombre entier est attendu");
  EXPECT_EQ(check("s.entier", Value::number(n("101"))).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(check("s.entier", Value::number(n("-1"))).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(check("s.pourcentage", Value::number(*Number::div(n("201"), n("2")))).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(check("s.montant", Value::number(n("1.005"))).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(check("s.montant", Value::number(*Number::div(n("1"), n("3")))).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(check("s.texte", Value::text(std::string(kMaxTextBytes + 1, 'a'))).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(check("s.texte", Value::text("\xFF")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(check("s.texte", Value::text(std::string("\0", 1))).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(check("s.photo", Value::text(std::string(64, 'A'))).code(), StatusCode::kInvalidArgument);
}

TEST_F(FieldsTest, CheckCell) {
  const int table = item("s.tableau");
  EXPECT_OK(grid_->check_cell(table, 1, Value::number(n("1.5"))));
  EXPECT_EQ(grid_->check_cell(table, 1, Value::number(n("3"))).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(grid_->check_cell(table, 1, Value::text("1")).message(),
            "s.tableau[etp] : valeur de type texte, attendu nombre");
  EXPECT_EQ(grid_->check_cell(table, 2, Value::text("Éducateur")).code(), StatusCode::kInvalidArgument);
  EXPECT_OK(grid_->check_cell(table, 2, Value::text("educateur")));
  EXPECT_OK(grid_->check_cell(table, 0, Value()));
}

TEST(ParseField, WorksOnASpecOutsideAnyGrid) {
  const std::vector<Choice> choices = {{"a", "Premier"}, {"b", "Second"}};
  const FieldSpec choice{"suivi", ItemType::kChoice, &choices, std::nullopt, std::nullopt};
  EXPECT_EQ(parse_field(choice, "second"), Value::text("b"));
  EXPECT_EQ(parse_field(choice, "c").error().message(), "suivi : « c » n'est pas un choix possible (a, b)");
  const FieldSpec days{"suivi_delai", ItemType::kInteger, nullptr, n("1"), n("365")};
  EXPECT_EQ(parse_field(days, "30"), Value::number(n("30")));
  EXPECT_EQ(parse_field(days, "0").error().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(parse_field(days, "366").error().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(parse_field(days, ""), Value());
  EXPECT_OK(check_field(days, Value()));
  EXPECT_EQ(check_field(days, Value::number(n("0.5"))).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace carnet::core
