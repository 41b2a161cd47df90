"""--online for RubyGems and Composer, against registries served on loopback whose answers
are built from real package metadata, in the shape each protocol documents (no answer of the
public services can be had on this machine):

- RubyGems: the API's version endpoint (`/api/v2/rubygems/NAME/versions/VERSION.json`),
  built by Ruby itself from the gem specifications Debian's ruby-* packages install;
- Composer: v2 repository metadata (`/p2/VENDOR/NAME.json`, minified as Packagist serves
  it), built from the real package entries BookStack's composer.lock carries (Composer
  copies them from the repository), the lockfile given to fincomp without its licences."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import CORPUS, run_cli

SPECIFICATIONS = Path("/usr/share/rubygems-integration/all/specifications")
# Checked by hand against each gemspec's `s.licenses`.
GEM_LICENCES = {
    "builder": "MIT", "concurrent-ruby": "MIT", "crass": "MIT", "docile": "MIT",
    "erubi": "MIT", "hashdiff": "MIT", "htmlentities": "MIT", "mime-types-data": "MIT",
    "public_suffix": "MIT", "rack": "MIT", "rainbow": "MIT", "rotp": "MIT", "thor": "MIT",
    "zeitwerk": "MIT", "webrick": "BSD-2-Clause OR Ruby",   # ["Ruby", "BSD-2-Clause"]: a choice
}
# The keys the RubyGems API documents for this endpoint (guides: "API v2, GET
# /api/v2/rubygems/[GEM NAME]/versions/[VERSION].json").
RUBYGEMS_VERSION_KEYS = {
    "name", "downloads", "version", "version_created_at", "version_downloads", "platform",
    "authors", "info", "licenses", "metadata", "yanked", "sha", "spec_sha", "project_uri",
    "gem_uri", "homepage_uri", "wiki_uri", "documentation_uri", "mailing_list_uri",
    "source_code_uri", "bug_tracker_uri", "changelog_uri", "funding_uri", "dependencies",
    "built_at", "created_at", "description", "downloads_count", "number", "summary",
    "rubygems_version", "ruby_version", "prerelease", "requirements"}
# Composer's documented package keys (composer.json schema) a v2 metadata entry may carry.
COMPOSER_KEYS = {
    "name", "description", "keywords", "homepage", "version", "version_normalized",
    "license", "authors", "source", "dist", "type", "support", "funding", "time",
    "autoload", "extra", "require", "require-dev", "conflict", "provide", "replace",
    "suggest", "bin", "notification-url", "include-path", "target-dir", "archive",
    "abandoned", "default-branch", "autoload-dev", "minimum-stability"}

_TO_JSON = """
require "json"
spec = Gem::Specification.load(ARGV[0])
puts JSON.generate({
  "name" => spec.name, "version" => spec.version.to_s, "number" => spec.version.to_s,
  "platform" => spec.platform.to_s, "authors" => spec.authors.join(", "),
  "info" => spec.description.to_s, "summary" => spec.summary.to_s,
  "licenses" => spec.licenses, "metadata" => spec.metadata,
  "built_at" => spec.date.utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
  "version_created_at" => spec.date.utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
  "prerelease" => spec.version.prerelease?, "yanked" => false,
  "homepage_uri" => spec.homepage,
  "dependencies" => {"runtime" => spec.runtime_dependencies.map { |d|
    {"name" => d.name, "requirements" => d.requirement.to_s} },
    "development" => []}})
"""


def _scan(project, env, *extra):
    result = run_cli("scan", str(project), "--format", "json", *extra, env=env)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_gem_licences_come_from_the_rubygems_api_of_the_bundler_mirror(serve, tmp_path):
    assert SPECIFICATIONS.is_dir(), ".ci/tools installs Debian's ruby-* packages"
    files, specs = {}, []
    for name in GEM_LICENCES:
        [path] = [p for p in SPECIFICATIONS.glob(f"{name}-*.gemspec")
                  if p.name[len(name) + 1].isdigit()]
        answer = json.loads(subprocess.run(["ruby", "-e", _TO_JSON, str(path)],
                                           capture_output=True, text=True, check=True).stdout)
        assert set(answer) <= RUBYGEMS_VERSION_KEYS
        files[f"/api/v2/rubygems/{name}/versions/{answer['version']}.json"] = \
            json.dumps(answer).encode()
        specs.append(f"    {name} ({answer['version']})")
    server, base = serve(files)
    project = tmp_path / "app"
    (project / ".bundle").mkdir(parents=True)
    (project / "Gemfile.lock").write_text(
        "GEM\n  remote: https://gems.example.internal/\n  specs:\n" + "\n".join(specs)
        + "\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n"
        + "".join(f"  {name}\n" for name in GEM_LICENCES) + "\nBUNDLED WITH\n   2.4.10\n")
    # Bundler's own mirror setting (`bundle config mirror.SOURCE URL` writes this)
    (project / ".bundle/config").write_text(
        f'---\nBUNDLE_MIRROR__HTTPS://GEMS__EXAMPLE__INTERNAL/: "{base}"\n')
    env = {"FINCOMP_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    document = _scan(project, env, "--online")
    assert any("RubyGems mirror from" in s for s in document["analysis"]["registries"])
    assert document["analysis"]["enrichment"]["licences_added"] == len(GEM_LICENCES)
    concluded = {c["name"]: c["concluded_license"]["expression"]
                 for c in document["components"]}
    assert concluded == GEM_LICENCES
    rack = next(c for c in document["components"] if c["name"] == "rack")
    assert rack["release"]["released"].startswith("20")


def _minified(versions):
    """Composer v2's minified list: the first entry whole, each later one only the keys that
    changed, "__unset" for a key it lacks."""
    out, previous = [], {}
    for entry in versions:
        if not previous:
            out.append(dict(entry))
        else:
            changed = {k: v for k, v in entry.items() if previous.get(k) != v}
            changed.update({k: "__unset" for k in previous if k not in entry})
            out.append(changed)
        previous = entry
    return out


def test_composer_licences_come_from_v2_repository_metadata(serve, tmp_path):
    lock = json.loads((CORPUS / "php/bookstack/composer.lock").read_text())
    expected, files = {}, {}
    for key in ("packages", "packages-dev"):
        for entry in lock[key]:
            assert set(entry) - {"installation-source", "notification-url"} <= COMPOSER_KEYS
            name = entry["name"]
            expected[name] = entry.get("license")
            # the repository lists the version in use after a newer one without a licence
            # key, as the minified form must expand it
            newer = {k: v for k, v in entry.items() if k != "license"}
            newer["version"] = "v999.0.0"
            files[f"/p2/{name}.json"] = json.dumps({"packages": {name: _minified(
                [newer, entry])}, "minified": "composer/2.0"}).encode()
            entry.pop("license", None)
    server, base = serve(files)
    project = tmp_path / "app"
    project.mkdir()
    (project / "composer.lock").write_text(json.dumps(lock))
    (project / "composer.json").write_text(json.dumps(
        {"name": "bank/app", "repositories": [{"type": "composer", "url": base}]}))
    document = _scan(project, {"FINCOMP_CACHE_DIR": str(tmp_path / "cache"),
                               "COMPOSER_HOME": str(tmp_path / "composer")}, "--online")
    assert any("Composer repository from" in s and "composer.json" in s
               for s in document["analysis"]["registries"])
    concluded = {c["name"]: c for c in document["components"]}
    assert len(concluded) == 147
    unknown = [n for n, c in concluded.items()
               if c["concluded_license"]["expression"] == "LicenseRef-fincomp-unknown"]
    assert unknown == [], unknown
    for name, licences in expected.items():
        assert concluded[name]["declared_licenses"] == [
            {"text": " OR ".join(licences), "field": "composer"}], name


# NuGet: no package source answers on this machine and no real .nupkg is installed here, so
# the service index and the .nuspec files follow the documentation exactly (the v3 service
# index with its PackageBaseAddress/3.0.0 resource; the flat container's lower-cased
# /ID/VERSION/ID.nuspec; the nuspec schema's <license type="expression">, with the
# <licenseUrl> NuGet writes beside it), each with the licence the package is published under.
NUSPECS = {
    ("Newtonsoft.Json", "13.0.3"): "MIT",
    ("Serilog.Sinks.Console", "5.0.1"): "Apache-2.0",
    ("Dapper", "2.1.35"): "Apache-2.0",
    ("Npgsql", "8.0.3"): "PostgreSQL",
}
DOTNET = Path(__file__).resolve().parents[1] / "fixtures/dotnet/Bank.Payments"


def _nuspec(package, version, licence):
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<package xmlns="http://schemas.microsoft.'
            f'com/packaging/2013/05/nuspec.xsd"><metadata><id>{package}</id><version>{version}'
            f'</version><authors>example</authors><license type="expression">{licence}'
            f"</license><licenseUrl>https://aka.ms/deprecateLicenseUrl</licenseUrl>"
            f"<description>d</description></metadata></package>").encode()


def test_nuget_licences_come_from_the_nuspec_of_the_nuget_config_source(serve, tmp_path):
    files: dict[str, object] = {}
    server, base = serve(files)
    files["/v3/index.json"] = json.dumps({"version": "3.0.0", "resources": [
        {"@id": f"{base}/v3/registration/", "@type": "RegistrationsBaseUrl/3.6.0"},
        {"@id": f"{base}/v3-flatcontainer/", "@type": "PackageBaseAddress/3.0.0"}]}).encode()
    for (package, version), licence in NUSPECS.items():
        lower = package.lower()
        files[f"/v3-flatcontainer/{lower}/{version}/{lower}.nuspec"] = _nuspec(
            package, version, licence)
    project = tmp_path / "Bank.Payments"
    project.mkdir()
    for name in ("Bank.Payments.csproj", "packages.lock.json"):
        (project / name).write_text((DOTNET / name).read_text())
    (project / "NuGet.config").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<configuration><packageSources><clear />'
        f'<add key="bank" value="{base}/v3/index.json" /></packageSources></configuration>')
    document = _scan(project, {"FINCOMP_CACHE_DIR": str(tmp_path / "cache"),
                               "HOME": str(tmp_path)}, "--online")
    assert any("NuGet source from" in s for s in document["analysis"]["registries"])
    concluded = {(c["name"], c["version"]): c["concluded_license"]["expression"]
                 for c in document["components"]}
    for key, licence in NUSPECS.items():
        assert concluded[key] == licence, key
    # asked of the flat container the service index names, lower-cased as documented
    assert "/v3-flatcontainer/newtonsoft.json/13.0.3/newtonsoft.json.nuspec" in server.requests


def test_a_nuget_licence_file_is_read_from_the_package_checked_against_its_content_hash(
        serve, tmp_path):
    """`<license type="file">`: the licence is a file inside the .nupkg, which --online reads
    because the .nuspec names no licence; the package is checked against packages.lock.json's
    contentHash (the sha512 of the .nupkg). The licence file is a real one (regex's
    LICENSE-MIT, as Debian ships the crate); the package around it follows the documented
    layout."""
    import base64
    import hashlib
    import io
    import zipfile

    licence = Path("/usr/share/cargo/registry/regex-1.7.1/LICENSE-MIT").read_bytes()
    nuspec = _nuspec("Dapper", "2.1.35", "MIT").replace(
        b'<license type="expression">MIT</license>',
        b'<license type="file">LICENSE-MIT</license>')
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as package:
        package.writestr("Dapper.nuspec", nuspec)
        package.writestr("LICENSE-MIT", licence)
        package.writestr("lib/net8.0/Dapper.dll", b"MZ")
    nupkg = data.getvalue()
    files = {"/flat/dapper/2.1.35/dapper.nuspec": nuspec,
             "/flat/dapper/2.1.35/dapper.2.1.35.nupkg": nupkg}
    server, base = serve(files)
    project = tmp_path / "Bank.Payments"
    project.mkdir()
    (project / "Bank.Payments.csproj").write_text((DOTNET / "Bank.Payments.csproj").read_text())
    lock = json.loads((DOTNET / "packages.lock.json").read_text())
    for packages in lock["dependencies"].values():
        if "Dapper" in packages:
            packages["Dapper"]["contentHash"] = base64.b64encode(
                hashlib.sha512(nupkg).digest()).decode()
    (project / "packages.lock.json").write_text(json.dumps(lock))
    env = {"FINCOMP_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path),
           "FINCOMP_NUGET_URL": f"{base}/flat"}
    document = _scan(project, env, "--online")
    dapper = next(c for c in document["components"] if c["name"] == "Dapper")
    assert dapper["concluded_license"]["expression"] == "MIT"
    assert dapper["concluded_license"]["evidence"][-1].startswith(
        "dapper.2.1.35.nupkg:LICENSE-MIT: MIT")
    # the lock's other packages are not on this flat container: not fetched, not refused
    assert document["analysis"]["archives"]["refused"] == {}

    files["/flat/dapper/2.1.35/dapper.2.1.35.nupkg"] = nupkg[:-1] + bytes([nupkg[-1] ^ 1])
    cold = {**env, "FINCOMP_CACHE_DIR": str(tmp_path / "cold")}
    refused = _scan(project, cold, "--online")["analysis"]["archives"]["refused"]
    assert list(refused) == ["Dapper@2.1.35"]
