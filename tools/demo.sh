#!/usr/bin/env bash
# The main job until the sync issue lands: an offline capture on the embedded store, through
# the same commands an inspector uses. Usage: tools/demo.sh CARNET_BINARY DATA_DIR
set -euo pipefail
carnet="$1"
data="$2"
samples="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/samples"
export CARNET_DATA="$data"
step() { printf '\n\033[1m$ carnet %s\033[0m\n' "$*"; }
run() { step "$@"; "$carnet" "$@"; }

run init --inspector insp-namur-07 --name "Claire Lambert"
run dossier import "$samples/dossiers.json"
run dossier list
step inspection start --dossier ma-0042 --date 2025-03-10
id="$("$carnet" inspection start --dossier ma-0042 --date 2025-03-10)"
echo "$id"

# Header of the canvas: people met, accompanying inspector, answers to the last visit.
run inspection set "$id" accompagnateur=insp-namur-03 \
  'personnes[+1].nom=Mme Dubois' 'personnes[+1].fonction=directrice' \
  'personnes[+2].nom=M. Renard' 'personnes[+2].fonction=assistant social' \
  'recommandations_precedentes[1].reponse=ROI revu en conseil d'"'"'administration du 12/09/2023' \
  'recommandations_precedentes[2].reponse=Rapport 2023 transmis le 27/02/2024'
# I. Introduction and II. Approval.
run inspection set "$id" introduction.mixite=oui introduction.ca_hommes=4 introduction.ca_femmes=3 \
  agrement.capacite=30 agrement.places_subventionnees=24 agrement.subvention_art95=oui
# III. Staff (art. 94 norms depend on the 24 subsidised places).
run inspection set "$id" personnel.art94.etp_directeur=1 personnel.art94.etp_as=1 personnel.art94.etp_educateur=2,5 \
  personnel.art95.etp=0,75 \
  'personnel.art94.personnel[+1].nom=Dubois Anne' 'personnel.art94.personnel[+1].fonction=directrice' \
  'personnel.art94.personnel[+1].etp_subv=1'
# IV. Functioning: occupancy over the last two years.
run inspection set "$id" fonctionnement.annee=2024 fonctionnement.nuitees_totales=7300 fonctionnement.nuitees_agreees=6850 \
  fonctionnement.nuitees_enfants=2050 fonctionnement.annee_prec=2023 fonctionnement.nuitees_totales_prec=7100 \
  fonctionnement.nuitees_agreees_prec=6700 fonctionnement.nuitees_enfants_prec=1900 \
  fonctionnement.rapport_activites=oui fonctionnement.rapport_activites_annee=2024 \
  fonctionnement.rapport_activites_envoi=2025-02-26 fonctionnement.pac_conforme=oui fonctionnement.roi_conforme=non \
  'remarques.fonctionnement=Le ROI ne mentionne pas la procédure de plainte (annexe 7).'
# V. Individual files, VI. Financial participation, VII. Buildings.
run inspection set "$id" dossier_individuel.pai_conforme=oui dossier_individuel.pai_30_jours=oui \
  participation.paf_gite=8,50 participation.paf_gite_couvert=13,10 \
  batiments.attestation_incendie_conforme=oui batiments.attestation_incendie_expiration=2026-06-30 \
  batiments.nb_heberges=26 batiments.nb_wc=2 batiments.nb_douches=3 batiments.nb_lavabos=7 batiments.temperature=19 \
  'recommandations.batiments=Installer un WC supplémentaire au premier étage.'
# VIII to X: conclusions and follow-up, then close and sign.
run inspection set "$id" 'conclusions=Service bien tenu ; deux points à régulariser.' suivi=avec_delai suivi_delai=60
run inspection findings "$id"
run inspection complete "$id"
run inspection sign "$id"
report="$data/rapport-$id.html"
run report "$id" --format html --output "$report"
run changes --limit 3
printf '\nRapport d'"'"'inspection : %s\n' "$report"
