#!/usr/bin/env bash
# Tags a revision that pre-commit (and `npm install -g github:…#TAG`) can install from git:
#   scripts/hook-release.sh TAG
# pre-commit installs a `language: node` hook by cloning the repository at `rev`, running
# `npm install` and `npm pack` there, and installing the tarball. dist/ is not committed, so a
# development commit packs no bundles. This makes a commit on no branch, child of HEAD, holding
# HEAD's tree plus the production bundles (package.json's `files` from dist/) and a package.json
# without devDependencies (the bundles need nothing installed; pre-commit's `npm install` then has
# nothing to fetch), and tags it TAG. Nothing in the working tree or the current branch changes.
# HOOK_RELEASE_SKIP_BUILD=1 uses the bundles already in dist/.
set -euo pipefail
tag="${1:?usage: scripts/hook-release.sh TAG}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

[ "${HOOK_RELEASE_SKIP_BUILD:-0}" = 1 ] || node scripts/bundle.mjs --production
[ -f dist/cli.js ] || { echo "hook-release: dist/cli.js is missing (npm run build)" >&2; exit 1; }

index="$(mktemp)"
trap 'rm -f "$index"' EXIT
export GIT_INDEX_FILE="$index"
git read-tree HEAD
# The bundles npm packs (package.json's `files` under dist/), added although dist/ is ignored.
mapfile -t bundles < <(node -e '
  const fs = require("fs");
  const globs = require("./package.json").files.filter((f) => f.startsWith("dist/"));
  const names = fs.readdirSync("dist");
  const match = (g, n) => new RegExp("^" + g.slice(5).replace(/[.]/g, "\\.").replace(/[*]/g, "[^/]*") + "$").test(n);
  for (const n of names) if (globs.some((g) => match(g, n))) console.log("dist/" + n);
')
git add -f -- "${bundles[@]}"
manifest="$(node -e '
  const p = require("./package.json");
  delete p.devDependencies;
  process.stdout.write(JSON.stringify(p, null, 2) + "\n");
' | git hash-object -w --stdin)"
git update-index --cacheinfo "100644,$manifest,package.json"
git rm -q --cached --ignore-unmatch package-lock.json
tree="$(git write-tree)"
commit="$(git commit-tree "$tree" -p HEAD -m "Release $tag: the bundles in dist/, for installs from git (pre-commit)")"
git tag "$tag" "$commit"
echo "hook-release: tagged $tag ($commit) with ${#bundles[@]} bundle files"
