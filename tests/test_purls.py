"""fincomp's purls are packageurl-python's, whichever way they are made."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from packageurl import PackageURL

from fincompliance.model import make_purl, purl_parts, purl_split

_ECOSYSTEMS = ["npm", "python", "golang", "maven", "cargo", "composer", "gem", "pub", "apk",
               "deb", "github", "cpan", "hackage", "generic", "nuget", "oci", "huggingface",
               "mlflow", "alpm", "swift"]
# what a name is made of: mostly plain characters (the fast path), some that need encoding
_TEXT = st.text(st.sampled_from(string.ascii_letters + string.digits + "._~/-@:% +é中"),
                min_size=1, max_size=12)


def _library(ecosystem: str, name: str, version: str | None) -> str:
    """The library's own purl, for the same split of the name."""
    purl_type, namespace, name = purl_split(ecosystem, name)
    return PackageURL(type=purl_type, namespace=namespace, name=name, version=version,
                      qualifiers={}).to_string()


def _outcome(make, *args):
    try:
        return make(*args)
    except (TypeError, ValueError) as error:
        return type(error)


@settings(max_examples=2000, deadline=None)
@given(ecosystem=st.sampled_from(_ECOSYSTEMS), name=_TEXT, version=st.none() | _TEXT)
def test_make_purl_is_the_librarys_purl(ecosystem, name, version):
    made = _outcome(make_purl, ecosystem, name, version)
    assert made == _outcome(_library, ecosystem, name, version)
    if isinstance(made, str):
        parsed = PackageURL.from_string(made)
        if parsed.to_string() == made:   # a name with a slash may read back otherwise
            assert purl_parts(made) == (parsed.type, parsed.namespace, parsed.name)
