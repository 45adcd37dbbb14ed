#!/usr/bin/env bash
# The main job: the whole story on loopback with the embedded store. A central node, two
# tablets enrolled for the lead and the accompanying inspector, a shelter inspection captured
# offline on both, sync, the conflict reviewed at the office, the signed report.
# Usage: tools/demo.sh DIRECTORY_OF_BINARIES DATA_DIR
set -euo pipefail
bin="$1"
data="$2"
samples="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/samples"
central_dir="$data/central"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
central() { step carnet-central "$@"; "$bin/carnet-central" --data "$central_dir" "$@"; }
# Each tablet's data are encrypted; here the passphrase comes from a file (mode 0600), as for an
# unattended tablet. At a real tablet, carnet asks for it at the terminal.
tablet() {
  local who="$1"; shift; step "carnet [$who]" "$@"
  CARNET_PASSPHRASE_FILE="$data/$who.passphrase" "$bin/carnet" --data "$data/$who" "$@"
}
json_field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -n 1; }

# --- At the office -------------------------------------------------------------------------
central init
central inspector add insp-namur-07 --name "Claire Lambert"
central inspector add insp-namur-03 --name "Marc Dupont"
central dossier import "$samples/dossiers.json"
central assign ma-0042 insp-namur-07
central assign ma-0042 insp-namur-03

step carnet-central serve --listen 127.0.0.1:0
"$bin/carnet-central" --data "$central_dir" serve --listen 127.0.0.1:0 --json > "$data/central.out" 2> "$data/central.err" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  address="$(json_field listening < "$data/central.out" || true)"
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "$address" ] || { cat "$data/central.err" >&2; exit 1; }
url="https://$address"
echo "à l'écoute sur $url"

# --- Two tablets enroll with one-time codes --------------------------------------------------
for pair in "claire:insp-namur-07" "marc:insp-namur-03"; do
  (umask 077; printf 'phrase de passe de démonstration (%s)\n' "${pair%%:*}" > "$data/${pair%%:*}.passphrase")
  who="${pair%%:*}"; inspector="${pair#*:}"
  enrollment="$("$bin/carnet-central" --data "$central_dir" enroll "$inspector" --json)"
  code="$(json_field code <<< "$enrollment")"
  fingerprint="$(json_field ca_fingerprint <<< "$enrollment")"
  step carnet-central enroll "$inspector"
  echo "code $code (empreinte de l'autorité $fingerprint)"
  tablet "$who" enroll --central "$url" --code "$code" --ca-fingerprint "$fingerprint" --device-name "tablette de $who"
  tablet "$who" sync
done

# --- Claire starts the inspection; Marc receives it -----------------------------------------
step "carnet [claire]" inspection start --dossier ma-0042 --date 2025-03-10
id="$(CARNET_PASSPHRASE_FILE="$data/claire.passphrase" "$bin/carnet" --data "$data/claire" inspection start --dossier ma-0042 --date 2025-03-10)"
echo "$id"
tablet claire sync
tablet marc sync

# --- In the building, no network: each captures their part ---------------------------------
tablet claire inspection set "$id" accompagnateur=insp-namur-03 \
  'personnes[+1].nom=Mme Dubois' 'personnes[+1].fonction=directrice' \
  'recommandations_precedentes[1].reponse=ROI revu en conseil d'"'"'administration du 12/09/2023' \
  'recommandations_precedentes[2].reponse=Rapport 2023 transmis le 27/02/2024' \
  introduction.mixite=oui introduction.ca_hommes=4 introduction.ca_femmes=3 \
  agrement.capacite=30 agrement.places_subventionnees=24 agrement.subvention_art95=oui \
  personnel.art94.etp_directeur=1 personnel.art94.etp_as=1 personnel.art94.etp_educateur=2,5 personnel.art95.etp=0,75 \
  fonctionnement.annee=2024 fonctionnement.nuitees_totales=7300 fonctionnement.nuitees_agreees=6850 \
  fonctionnement.nuitees_enfants=2050 fonctionnement.annee_prec=2023 fonctionnement.nuitees_totales_prec=7100 \
  fonctionnement.nuitees_agreees_prec=6700 fonctionnement.nuitees_enfants_prec=1900 \
  fonctionnement.rapport_activites=oui fonctionnement.rapport_activites_annee=2024 \
  fonctionnement.rapport_activites_envoi=2025-02-26 fonctionnement.pac_conforme=oui fonctionnement.roi_conforme=non \
  'remarques.fonctionnement=Le ROI ne mentionne pas la procédure de plainte (annexe 7).'
tablet marc inspection set "$id" 'personnes[+1].nom=M. Renard' 'personnes[+1].fonction=assistant social' \
  dossier_individuel.pai_conforme=oui dossier_individuel.pai_30_jours=oui \
  participation.paf_gite=8,50 participation.paf_gite_couvert=13,10 \
  batiments.attestation_incendie_conforme=oui batiments.attestation_incendie_expiration=2026-06-30 \
  batiments.nb_heberges=26 batiments.nb_douches=3 batiments.nb_lavabos=7 batiments.temperature=19 batiments.nb_wc=3 \
  'recommandations.batiments=Installer un WC supplémentaire au premier étage.'
# Both counted the toilets; they disagree.
tablet claire inspection set "$id" batiments.nb_wc=2

# --- Back online --------------------------------------------------------------------------------
tablet marc sync
tablet claire sync
tablet marc sync --verify
tablet claire sync --verify
tablet claire conflicts list
central conflicts list
conflict="$("$bin/carnet-central" --data "$central_dir" conflicts list --json | json_field id)"
central conflicts resolve "$conflict" --keep winner
tablet claire sync
tablet marc sync

# --- Conclusions, signature, the office's report -------------------------------------------
tablet claire inspection set "$id" 'conclusions=Service bien tenu ; deux points à régulariser.' suivi=avec_delai suivi_delai=60
tablet claire inspection findings "$id"
tablet claire inspection complete "$id"
tablet claire inspection sign "$id"
tablet claire sync --verify
tablet marc sync
tablet claire status
central inspection list
report="$data/rapport-$id.html"
central report "$id" --format html --output "$report"
central report verify "$id"
central audit list --limit 5
central audit verify
kill -TERM "$server"
wait "$server" || true
trap - EXIT
printf '\nRapport d'"'"'inspection (vu du bureau) : %s\n' "$report"
