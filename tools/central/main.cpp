// carnet-central: the central node. See README.md for the commands.
#include <variant>

#include "tools/central/node.hpp"

namespace {

constexpr const char* kUsage = R"(Usage : carnet-central COMMANDE [options] [--data DOSSIER] [--json]

  init [--host NOM]… [--store postgresql://…]
                                                   crée le nœud central : magasin, autorité (CA), certificat serveur ;
                                                   --store : le magasin dans cette base PostgreSQL, que d'autres
                                                   nœuds partagent avec une copie du dossier de données
  serve --listen HÔTE:PORT [--threads N] [--request-timeout SECONDES] [--public-url https://HÔTE:PORT]
                                                   sert les tablettes en HTTPS, et l'application du bureau sur
                                                   https://HÔTE:PORT/bureau/ (arrêt propre sur SIGTERM/SIGINT) ;
                                                   --public-url : l'adresse des tablettes dans les liens
                                                   d'enrôlement (par défaut celle de la page du bureau)
  inspector add ID --name "NOM" | list
  dossier import FICHIER | list
  assign DOSSIER INSPECTEUR | unassign DOSSIER INSPECTEUR
  grid publish FICHIER | list
  enroll INSPECTEUR [--minutes N]         un code d'enrôlement à usage unique
  device list | revoke ID
  inspection list | show ID
  report ID --format html|json [--output FICHIER]
  report verify ID                        vérifie à nouveau la signature du rapport (0 : valide, 6 : invalide)
  conflicts list [--all] | show ID | resolve ID --keep winner|loser | --value VALEUR
  quarantine list [--all] | show ID | review ID --decision rejeter|appliquer
                                                   les changements refusés, à examiner : rejeter, ou appliquer
                                                   comme changement du bureau s'ils passent à présent les contrôles
  addendum list [--all] | accept ID | reject ID
                                                   les addenda postérieurs à la signature, à examiner
  user add NOM --role admin|office [--password-file FICHIER] | list | disable NOM | remove NOM
                                                   les comptes du personnel pour l'application du bureau ; sans
                                                   --password-file, le mot de passe est tapé deux fois
  user blocks | unblock NOM [--address ADRESSE]    les refus de connexion qui font attendre, par nom et adresse
                                                   (« * » : tous les noms d'une adresse), et leur effacement
  audit list [--limit N] | verify [--head N:EMPREINTE]
                                                   le journal d'audit ; verify le vérifie entrée par entrée
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace carnet;
  auto parsed = cli::parse_command_line(argc, argv, "carnet-central", kUsage,
                                        {"--listen", "--store", "--threads", "--request-timeout", "--public-url", "--name", "--host", "--minutes", "--format", "--output", "--keep",
                                         "--value", "--limit", "--head", "--decision", "--role", "--password-file", "--address"},
                                        {"--all"});
  if (const int* exit = std::get_if<int>(&parsed)) return *exit;
  const auto& args = std::get<cli::Args>(parsed);
  const std::string& command = args.positional()[0];
  if (command == "init") return central::cmd_init(args);
  if (command == "serve") return central::cmd_serve(args);
  auto store = central::open_store(args);
  if (!store) return central::failed(store.error(), args);
  if (command == "inspector") return central::cmd_inspector(args, **store);
  if (command == "dossier") return central::cmd_dossier(args, **store);
  if (command == "assign") return central::cmd_assign(args, **store, true);
  if (command == "unassign") return central::cmd_assign(args, **store, false);
  if (command == "grid") return central::cmd_grid(args, **store);
  if (command == "enroll") return central::cmd_enroll(args, **store);
  if (command == "device") return central::cmd_device(args, **store);
  if (command == "inspection") return central::cmd_inspection(args, **store);
  if (command == "report") return central::cmd_report(args, **store);
  if (command == "conflicts") return central::cmd_conflicts(args, **store);
  if (command == "quarantine") return central::cmd_quarantine(args, **store);
  if (command == "audit") return central::cmd_audit(args, **store);
  if (command == "addendum") return central::cmd_addendum(args, **store);
  if (command == "user") return central::cmd_user(args, **store);
  return cli::unknown_command(args, "carnet-central");
}
