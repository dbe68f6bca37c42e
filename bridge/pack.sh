#!/usr/bin/env bash
# Writes the XSOAR content pack (`make pack`) in the content repository's conventions:
#   $OUT/Packs/O365AuditLog/{pack_metadata.json, README.md, ReleaseNotes/<v>.md,
#     Integrations/O365AuditLog/{O365AuditLog.py, O365AuditLog.yml, README.md,
#       O365AuditLog_description.md, test_data/}}
#   $OUT/integration-O365AuditLog.yml   the unified yml (script inlined), uploadable as is
#   $OUT/O365AuditLog.zip               the pack directory, zipped
#   $OUT/docker/{Dockerfile, bin/o365auditlog}   the integration's image build context
# Environment (all optional): PACK_OUT (default dist), PACK_YML (default integration.yml),
# PACK_BIN (default bin/o365auditlog), PACK_VERSION (default 1.0.0), PACK_DOCKER_IMAGE
# (replaces script.dockerimage; the yml's own value is kept otherwise).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=${PACK_OUT:-$root/dist}
yml=${PACK_YML:-$root/integration.yml}
bin=${PACK_BIN:-$root/bin/o365auditlog}
version=${PACK_VERSION:-1.0.0}
image=${PACK_DOCKER_IMAGE:-}
python=${PYTHON:-python3}

die() { echo "pack.sh: $*" >&2; exit 1; }
[[ -f $yml ]] || die "$yml not found: the pack is built from the integration definition (integration.yml at the repository root)."
[[ -x $bin ]] || die "$bin not found or not executable: run \`make build\` first (make pack does)."
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "PACK_VERSION must look like 1.2.3, got '$version'."
command -v "$python" >/dev/null || die "python3 is needed to edit the yml."

pack=$out/Packs/O365AuditLog
integ=$pack/Integrations/O365AuditLog
rm -rf "$pack" "$out/docker" "$out/integration-O365AuditLog.yml" "$out/O365AuditLog.zip"
mkdir -p "$integ" "$pack/ReleaseNotes" "$out/docker/bin"

image_args=()
[[ -n $image ]] && image_args=(--image "$image")
cp "$here/O365AuditLog.py" "$integ/O365AuditLog.py"
cp "$here/pack/README.md" "$integ/README.md"
# The yml's own detaileddescription is the description when it has one (one source of truth).
"$python" "$here/pack_yml.py" description "$yml" > "$integ/O365AuditLog_description.md" ||
  cp "$here/pack/description.md" "$integ/O365AuditLog_description.md"
"$python" "$here/pack_yml.py" split "$yml" "$integ/O365AuditLog.yml" ${image_args[@]+"${image_args[@]}"}
"$python" "$here/pack_yml.py" unified "$yml" "$out/integration-O365AuditLog.yml" \
  --code "$here/O365AuditLog.py" --description "$integ/O365AuditLog_description.md" ${image_args[@]+"${image_args[@]}"}
if [[ -f $root/test_data/seed_record.json ]]; then
  mkdir -p "$integ/test_data"
  cp "$root/test_data/seed_record.json" "$integ/test_data/"
fi

cp "$here/pack/pack_README.md" "$pack/README.md"
cat > "$pack/ReleaseNotes/${version//./_}.md" <<NOTES
#### Integrations

##### O365 Audit Log

- Searches the Microsoft 365 unified audit log with certificate-based app-only authentication (no PowerShell), through the o365auditlog binary.
- Large searches page Exchange Online sessions and split the time window so that no record is lost; \`as_file\` returns them as a JSON Lines file.
- fetch-incidents turns audit events into incidents, oldest first, none lost to late arrival and none twice.
- Microsoft Graph audit log queries as a second backend (\`backend\`: auto, exchange, graph): \`auto\` re-fetches through Graph the one-second windows Exchange Online cannot return whole; \`polling=true\` runs Graph searches as XSOAR scheduled commands.
NOTES

category=$("$python" "$here/pack_yml.py" category "$yml")
CATEGORY=$category VERSION=$version "$python" - "$pack/pack_metadata.json" <<'PY'
import json, os, sys, datetime
meta = {
    "name": "O365 Audit Log",
    "description": "Search the Microsoft 365 unified audit log with certificate-based app-only authentication, without PowerShell.",
    "support": "community",
    "currentVersion": os.environ["VERSION"],
    "author": "o365auditlog",
    "url": "https://github.com/o365auditlog/o365auditlog",
    "email": "",
    "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "categories": [os.environ["CATEGORY"]],
    "tags": [],
    "useCases": [],
    "keywords": ["Microsoft 365", "Office 365", "audit log", "Exchange Online", "Search-UnifiedAuditLog"],
    "marketplaces": ["xsoar"],
}
with open(sys.argv[1], "w") as f:
    json.dump(meta, f, indent=4)
    f.write("\n")
PY

"$python" "$here/pack_yml.py" static "$bin"
cp "$here/Dockerfile" "$out/docker/Dockerfile"
cp "$bin" "$out/docker/bin/o365auditlog"

"$python" - "$pack" "$out/O365AuditLog.zip" <<'PY'
import os, sys, zipfile
pack, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
    for d, dirs, files in sorted(os.walk(pack)):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(d, name)
            z.write(path, os.path.relpath(path, pack))
PY
echo "pack.sh: wrote $pack, $out/integration-O365AuditLog.yml, $out/O365AuditLog.zip and $out/docker/"
