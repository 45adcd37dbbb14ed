// carnet: the tablet node. See README.md for the commands.
#include <variant>

#include "tools/carnet/node.hpp"

namespace {

constexpr const char* kUsage = R"(Usage : carnet COMMANDE [options] [--data DOSSIER] [--json]

  init --inspector ID --name "NOM"        initialise ce nœud pour un inspecteur
  grid list | show CLÉ | check FICHIER     les grilles de contrôle
  dossier import FICHIER | list | show ID  les dossiers (services agréés)
  inspection start --dossier ID [--grid CLÉ] [--date AAAA-MM-JJ]
  inspection set ID CLÉ=VALEUR…            saisir des réponses (tableaux : T[+].col=…, T[N].col=…)
  inspection delete-row ID TABLEAU N       supprimer la ligne N d'un tableau
  inspection attach ID CLÉ FICHIER         joindre une photo ou un document scanné
  inspection list | show ID | findings ID  consulter
  inspection complete ID | sign ID         clôturer, signer (avec la clé de la tablette inscrite)
  inspection addendum ID --text "TEXTE"    ajouter un addendum à un rapport signé (examiné au bureau)
  report ID --format html|json [--output FICHIER]
  changes                                  les changements en attente d'envoi
  enroll --central URL --code CODE --ca-fingerprint EMPREINTE [--device-name NOM]
  enroll --link "carnet://enroll?…"        la même chose, avec le lien du code QR affiché au bureau
  sync [--watch] [--verify] [--renew-days N]
                                                    synchroniser (et renouveler le certificat s'il reste
                                                    moins de N jours, par défaut un tiers de sa durée)
  status                                   état : en attente, dernière synchro, certificat, conflits, refus
  conflicts list | resolve ID --keep mine|theirs
  serve [--listen 127.0.0.1:PORT] [--sync-interval S] [--allow-remote]
                                                    l'application de la tablette dans le navigateur (sur
                                                    127.0.0.1 seulement, sauf --allow-remote), avec la
                                                    synchronisation en arrière-plan
  passphrase change [--new-passphrase-file FICHIER | --new-key-file FICHIER]

Les données de la tablette sont chiffrées. La phrase de passe est demandée au terminal, ou lue
dans le fichier désigné par --passphrase-file (ou CARNET_PASSPHRASE_FILE) ; --key-file (ou
CARNET_KEY_FILE) désigne un fichier de clé pour un usage sans surveillance.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace carnet;
  auto parsed = cli::parse_command_line(argc, argv, "carnet", kUsage,
                                        {"--inspector", "--name", "--text", "--dossier", "--grid", "--date", "--format", "--output",
                                         "--version", "--limit", "--central", "--code", "--ca-fingerprint", "--device-name", "--keep",
                                         "--key-file", "--passphrase-file", "--new-key-file", "--new-passphrase-file",
                                         "--renew-days", "--listen", "--sync-interval", "--link"},
                                        {"--watch", "--verify", "--allow-remote"});
  if (const int* exit = std::get_if<int>(&parsed)) return *exit;
  const auto& args = std::get<cli::Args>(parsed);
  const std::string& command = args.positional()[0];
  if (command == "init") return tool::cmd_init(args);
  if (command == "grid") return tool::cmd_grid(args);
  if (command == "dossier") return tool::cmd_dossier(args);
  if (command == "inspection") return tool::cmd_inspection(args);
  if (command == "report") return tool::cmd_report(args);
  if (command == "changes") return tool::cmd_changes(args);
  if (command == "enroll") return tool::cmd_enroll(args);
  if (command == "sync") return tool::cmd_sync(args);
  if (command == "status") return tool::cmd_status(args);
  if (command == "conflicts") return tool::cmd_conflicts(args);
  if (command == "serve") return tool::cmd_serve(args);
  if (command == "passphrase") return tool::cmd_passphrase(args);
  return cli::unknown_command(args, "carnet");
}
