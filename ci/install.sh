#!/bin/sh
# Install fincomp so that no step can resolve to another project's package.
#
#   sh ci/install.sh [SOURCE]     SOURCE: a fincomp source tree or wheel (default: this tree)
#
# A distribution name is no protection: anyone can publish any free name on a public
# index, and an internal index that proxies the public one answers with it. So the
# dependencies come only with the hashes in requirements.lock (--require-hashes), and
# fincomp itself from the SOURCE given, never from an index (--no-index). PIP_INDEX_URL
# (your institution's mirror) is where the locked files are fetched from.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python3 -m pip install --require-hashes --no-deps -r "$here/requirements.lock"
python3 -m pip install --no-deps --no-index --no-build-isolation "${1:-$here/..}"
python3 -m pip check
